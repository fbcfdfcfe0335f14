from rest_framework.pagination import PageNumberPagination

from common.counts import CachedCountPaginator


class StandardPagination(PageNumberPagination):
    """`?page=N&page_size=M` (M capped at 100); answers count/next/previous/results."""

    django_paginator_class = CachedCountPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
