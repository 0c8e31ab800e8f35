"""Extensions, created unbound here and bound to the app in create_app."""

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from marketplace.api_docs import KiosqueApi
from marketplace.domain.db import Base
from marketplace.redis_client import RedisConnector

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
redis_connector = RedisConnector()
rest_api = KiosqueApi()
# Redis when configured, in-process memory otherwise (and when Redis goes away).
limiter = Limiter(
    key_func=get_remote_address,
    in_memory_fallback_enabled=True,
    swallow_errors=True,
    headers_enabled=True,
)
