"""Flask extensions, created unbound here and bound to the app in the factory."""

from functools import cached_property

from flask_babel import Babel
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
