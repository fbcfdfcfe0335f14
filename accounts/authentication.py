from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as _JWTAuthentication


class JWTAuthentication(_JWTAuthentication):
    """simplejwt's authentication; inactive users are refused (401) by the base class."""


class JWTAuthenticationScheme(SimpleJWTScheme):
    """OpenAPI: our subclass is the same bearer JWT scheme as simplejwt's."""

    target_class = "accounts.authentication.JWTAuthentication"
