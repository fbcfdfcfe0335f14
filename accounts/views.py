import logging

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.template.response import TemplateResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import services
from accounts.filters import UserFilter
from accounts.models import User
from accounts.serializers import (
    ChangePasswordSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    MeSerializer,
    RefreshSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from common.permissions import IsAdmin
from common.throttling import LoginRateThrottle, LoginUsernameRateThrottle

logger = logging.getLogger(__name__)


class LoginView(TokenObtainPairView):
    serializer_class = LoginSerializer
    throttle_classes = [LoginRateThrottle, LoginUsernameRateThrottle]

    def get_throttles(self):
        # Kept, so a successful login can give its per-username attempt back.
        self.throttles = super().get_throttles()
        return self.throttles

    @extend_schema(responses={200: LoginResponseSerializer}, auth=[])
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            for throttle in self.throttles:
                if isinstance(throttle, LoginUsernameRateThrottle):
                    throttle.refund()
        return response


class RefreshView(TokenRefreshView):
    """Rotates: answers a new refresh token and blacklists the old one."""

    serializer_class = RefreshSerializer
    throttle_classes = [LoginRateThrottle]


class LogoutView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=LogoutSerializer, responses={204: None})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.session_logout(refresh=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(RetrieveUpdateAPIView):
    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user


class ChangePasswordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ChangePasswordSerializer, responses={204: None})
    def post(self, request):
        serializer = ChangePasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """User management, admins only. DELETE deactivates: invoices keep their owner."""

    queryset = User.objects.all().order_by("id")
    permission_classes = [IsAdmin]
    filterset_class = UserFilter
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["username", "date_joined", "last_login"]

    def get_serializer_class(self):
        return UserCreateSerializer if self.action == "create" else UserSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.user_create(**data)

    def perform_update(self, serializer):
        services.user_update(user=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.user_deactivate(user=instance)


def admin_login(request, extra_context=None):
    """The admin's login behind the API's login throttles (per address and per username).

    A refused attempt is not even checked: the page answers 429 with the time to wait.
    """
    username_throttle = None
    if request.method == "POST":
        username_throttle = LoginUsernameRateThrottle()
        for throttle in (LoginRateThrottle(), username_throttle):
            if throttle.allow_request(request, None):
                continue
            wait = max(1, int(throttle.wait() or 1))
            logger.warning(
                "Admin login throttled (%s) for %r from %s",
                throttle.scope,
                request.POST.get("username", "")[:150],
                throttle.get_ident(request),
            )
            form = AdminAuthenticationForm(request, data=request.POST)
            form._errors = ErrorDict(
                {NON_FIELD_ERRORS: form.error_class([_throttled_message(wait)])}
            )
            context = {
                **admin.site.each_context(request),
                "title": "Log in",
                "app_path": request.get_full_path(),
                "form": form,
                "username": request.POST.get("username", ""),
                **(extra_context or {}),
            }
            response = TemplateResponse(request, "admin/login.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
    response = admin.site.login(request, extra_context)
    if username_throttle is not None and request.user.is_authenticated:
        username_throttle.refund()  # only failed logins count per username
    return response


def _throttled_message(wait: int) -> str:
    minutes = (wait + 59) // 60
    return (
        f"Too many login attempts. Try again in {wait} seconds."
        if wait < 120
        else f"Too many login attempts. Try again in {minutes} minutes."
    )
