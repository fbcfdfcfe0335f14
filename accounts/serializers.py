from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from accounts.authentication import TokenRevoked
from accounts.models import User, username_normalize
from accounts.tokens import VersionedRefreshToken, token_version_of


class UsernameField(serializers.CharField):
    """NFKC-normalised (fullwidth letters are plain ones) and unique whatever its case."""

    def to_internal_value(self, data):
        return username_normalize(super().to_internal_value(data))


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "is_active",
            "date_joined",
            "last_login",
        ]
        read_only_fields = ["id", "date_joined", "last_login"]
        # Uniqueness is checked below, case-insensitively (the database's constraint too).
        extra_kwargs = {"username": {"validators": []}}

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name == "username":
            field_class = UsernameField
        return field_class, kwargs

    def validate_username(self, value: str) -> str:
        others = User.objects.filter(username__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A user with that username already exists.")
        return value


class UserCreateSerializer(UserSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]

    def validate(self, attrs):
        candidate = User(**{k: v for k, v in attrs.items() if k != "password"})
        try:
            validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            # Name the field, so clients can show the message next to it.
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "role", "last_login"]
        read_only_fields = ["id", "username", "role", "last_login"]


class LoginSerializer(TokenObtainPairSerializer):
    """`{username, password}` → `{access, refresh, user}`.

    One message for an unknown user, a wrong password and a deactivated account,
    so a login error never tells whether the user exists.
    """

    default_error_messages = {"no_active_account": "Invalid username or password."}
    token_class = VersionedRefreshToken

    def validate(self, attrs):
        data = super().validate(attrs)
        data["user"] = MeSerializer(self.user).data
        return data


class LoginResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = MeSerializer()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class ChangePasswordSerializer(serializers.Serializer):
    old_password = serializers.CharField(style={"input_type": "password"})
    new_password = serializers.CharField(style={"input_type": "password"})


class RefreshSerializer(TokenRefreshSerializer):
    """Rotation as simplejwt does it; a token of an older `token_version` is refused."""

    token_class = VersionedRefreshToken

    def validate(self, attrs):
        try:
            refresh = self.token_class(attrs["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        user_id = str(refresh.payload.get("user_id", ""))
        user = User.objects.filter(pk=user_id).first() if user_id.isdigit() else None
        if user is None or not user.is_active:
            raise AuthenticationFailed("No active account found for the given token.")
        if token_version_of(refresh) < user.token_version:
            raise TokenRevoked()
        return super().validate(attrs)
