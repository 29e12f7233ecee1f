from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import Article, LinkKind


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "body", "category", "tags", "audience", "owner", "review_due"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20, "cols": 100})}


class CommentForm(forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)


class SolvedWithForm(forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    deflection = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LinkForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            (LinkKind.SENT_TO_CUSTOMER, LinkKind.SENT_TO_CUSTOMER.label),
            (LinkKind.NOT_HELPFUL, LinkKind.NOT_HELPFUL.label),
        ]
    )
