"""Flask extensions, created unbound here and bound to the app in the factory."""

from functools import cached_property

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.database import Base
from portal.i18n import PortalDomain


class PortalBabel(Babel):
    """Flask-Babel with the portal's catalogs (easy Japanese, Japanese fallback)."""

    @cached_property
    def domain_instance(self) -> PortalDomain:
        """The one message domain of the portal."""
        return PortalDomain()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = PortalBabel()
# Storage comes from RATELIMIT_STORAGE_URI: Redis in production, so all workers share counts.
limiter = Limiter(key_func=get_remote_address)
