"""Routes of /api/v1/tokens/ (views in apitokens/apis.py)."""

from django.urls import path

from apitokens import apis

app_name = "apitokens"

urlpatterns = [
    path("tokens/", apis.TokenListApi.as_view(), name="token-list"),
    path("tokens/<int:token_id>/", apis.TokenDetailApi.as_view(), name="token-detail"),
]
