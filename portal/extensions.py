"""Flask extensions, created unbound here and bound to the app in the factory."""

from functools import cached_property

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets import HiddenInput

from portal.database import Base
from portal.i18n import PortalDomain
from portal.proxy import visitor_key


class PortalBabel(Babel):
    """Flask-Babel with the portal's catalogs (easy Japanese, Japanese fallback)."""

    @cached_property
    def domain_instance(self) -> PortalDomain:
        """The one message domain of the portal."""
        return PortalDomain()


class _TokenWithoutId(HiddenInput):
    """A staff page often holds several forms: their CSRF tokens must not all carry
    id="csrf_token" (ids are unique in a page; nothing refers to the token by id)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


CSRFTokenField.widget = _TokenWithoutId()

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = PortalBabel()
login_manager = LoginManager()


class PortalLimiter(Limiter):
    """Flask-Limiter, starting afresh for each app a process builds (tests, CLI).

    Flask-Limiter keeps the first app's key prefix and a "storage is down" flag on the
    extension object; a second app would otherwise inherit both.
    """

    def init_app(self, app) -> None:
        """Bind to `app` with that app's key prefix and a healthy storage."""
        self._key_prefix = ""
        self._storage_dead = False
        super().init_app(app)


def _visitor() -> str:
    return visitor_key(request.remote_addr)


# Storage comes from RATELIMIT_STORAGE_URI: Redis in production, so all workers share counts.
limiter = PortalLimiter(key_func=_visitor)
