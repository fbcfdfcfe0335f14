from django.urls import path

from accounts import views
from common.routes import viewset_path

urlpatterns = [
    path("auth/login/", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh/", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("auth/change-password/", views.ChangePasswordView.as_view(), name="auth-change-password"),
    viewset_path(
        "users/",
        views.UserViewSet,
        {"get": "list", "post": "create"},
        name="user-list",
        basename="user",
        detail=False,
    ),
    viewset_path(
        "users/<pk>/",
        views.UserViewSet,
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
        name="user-detail",
        basename="user",
        detail=True,
    ),
]
