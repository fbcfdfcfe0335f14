from rest_framework import serializers

from documents.models import InvoiceSending, SendingStatus


class SendSerializer(serializers.Serializer):
    to = serializers.ListField(child=serializers.EmailField(), required=False, max_length=20)
    cc = serializers.ListField(
        child=serializers.EmailField(), required=False, max_length=20, default=list
    )
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    attach_ubl = serializers.BooleanField(default=False)
    pdf_format = serializers.ChoiceField(choices=["pdf", "facturx"], default="pdf")


class SendingSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=SendingStatus.choices)

    class Meta:
        model = InvoiceSending
        fields = [
            "id",
            "invoice",
            "sent_by",
            "to",
            "cc",
            "subject",
            "message",
            "attach_ubl",
            "pdf_format",
            "status",
            "attempts",
            "error",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields


class DocumentsStateSerializer(serializers.Serializer):
    """`status`: draft | pending | stored | failed; `stored`: the formats kept."""

    status = serializers.ChoiceField(choices=["draft", "pending", "stored", "failed"])
    stored = serializers.ListField(child=serializers.CharField())
    attempts = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField(allow_null=True)
