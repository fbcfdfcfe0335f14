"""System checks of the documents app: every translation catalogue is compiled and current.

``manage.py check`` (run by ``migrate``, ``runserver`` and the deployment steps) reports a
missing or stale ``.mo`` before a worker would refuse to render a document in its language.
"""

from __future__ import annotations

from django.core.checks import Error, register

from documents.formatting import catalogue_languages
from documents.labels import CatalogueError, catalogue_files, check_compiled


@register()
def catalogues_compiled_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for lang in catalogue_languages():
        try:
            check_compiled(*catalogue_files(lang))
        except CatalogueError as error:
            errors.append(
                Error(
                    str(error),
                    hint="Without make: .venv/bin/pybabel compile -D django -d documents/locale",
                    id="documents.E001",
                )
            )
    return errors
