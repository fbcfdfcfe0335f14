"""Stable error codes of the catalogue: clients branch on these."""

from common.exceptions import BusinessException

PRODUCT_IN_USE = "product_in_use"


class ProductInUse(BusinessException):
    default_code = PRODUCT_IN_USE
    default_message = "The product is named on invoice lines; archive it instead."
