"""JWTs that carry the user's `token_version` (claim `ver`), checked on every use."""

from __future__ import annotations

from rest_framework_simplejwt.tokens import RefreshToken

VERSION_CLAIM = "ver"


class VersionedRefreshToken(RefreshToken):
    """A refresh token (and the access tokens made from it) under the user's version."""

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[VERSION_CLAIM] = user.token_version
        return token


def token_version_of(token) -> int:
    # Tokens made before the claim existed count as version 0 (every user's first).
    return int(token.get(VERSION_CLAIM, 0))
