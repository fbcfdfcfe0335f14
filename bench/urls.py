"""The project's URLs plus the two floors the benchmark measures against."""

from django.urls import path

from bench import floor
from core import urls as project_urls

urlpatterns = [
    path("bench/floor/values/", floor.values_view, name="bench-floor-values"),
    path("bench/floor/static/", floor.static_view, name="bench-floor-static"),
    *project_urls.urlpatterns,
]

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
