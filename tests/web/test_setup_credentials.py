"""Whatever a person types into the wizard's credential fields is answered with a form error or a
clear message, never a 500 (item: credentials typed by people)."""

from html import unescape

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from integrations.models import Connection
from tests.web.conftest import bc_form, start, step_url, zettle_form

pytestmark = pytest.mark.django_db


def html(response):
    return unescape(response.content.decode())


@pytest.mark.parametrize("field,value,message", [
    ("access_token", "tøken-ÆØÅ", "The access token can only contain"),
    ("access_token", "abc def", "The access token can only contain"),
    ("access_token", "x" * 300, "The access token is too long"),
    ("client_secret", "sécret", "The client secret can only contain"),
    ("store_hash", "abc/../x", "The store hash is the part after /stores/"),
    ("store_hash", "störe", "The store hash is the part after /stores/"),
])
def test_a_bigcommerce_credential_with_odd_characters_is_a_form_error(client_a, bc, field, value, message):
    integration = start(client_a)
    account = bc.create_account()
    response = client_a.post(step_url(integration, "bigcommerce"), bc_form(account, **{field: value}))
    assert response.status_code == 400
    assert message in html(response)
    assert value not in html(response) or field == "store_hash"
    assert bc.calls() == []  # nothing was sent to BigCommerce
    assert not Connection.objects.exists()


@pytest.mark.parametrize("field,value,message", [
    ("api_key", "ключ.abc.def", "The API key can only contain"),
    ("api_key", "a" * 5000, "The API key is too long"),
    ("client_id", "id\u00a0with-nbsp", "The client id can only contain"),
    ("client_id", "c" * 200, "The client id is too long"),
])
def test_a_zettle_credential_with_odd_characters_is_a_form_error(client_a, bc, zettle, field, value, message):
    integration = start(client_a)
    assert client_a.post(step_url(integration, "bigcommerce"), bc_form(bc.create_account())).status_code == 302
    account = zettle.create_account()
    response = client_a.post(step_url(integration, "zettle"), zettle_form(account, **{field: value}))
    assert response.status_code == 400
    assert message in html(response)
    assert zettle.calls() == []
    integration.refresh_from_db()
    assert integration.connection_for("zettle") is None


odd_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80) | \
    st.sampled_from(["ø", "\u200b", "tok\r\nX-Evil: 1", "\x7f", "é" * 40, " ", "abc\tdef", "🙂", "a" * 5000])


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(store_hash=odd_text, access_token=odd_text, client_secret=odd_text)
def test_whatever_is_typed_into_the_bigcommerce_step_is_never_a_500(client_a, bc, store_hash, access_token,
                                                                      client_secret):
    integration = start(client_a)
    response = client_a.post(step_url(integration, "bigcommerce"), {
        "store_hash": store_hash, "access_token": access_token, "client_secret": client_secret,
        "base_url": "http://sandbox.flyt.test/sandbox/bigcommerce"})
    assert response.status_code in (200, 400)
    assert "Connect BigCommerce" in html(response)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(api_key=odd_text, client_id=odd_text)
def test_whatever_is_typed_into_the_zettle_step_is_never_a_500(client_a, bc, zettle, api_key, client_id):
    integration = start(client_a)
    if integration.connection_for("bigcommerce") is None:
        assert client_a.post(step_url(integration, "bigcommerce"), bc_form(bc.create_account())).status_code == 302
    response = client_a.post(step_url(integration, "zettle"), {
        "api_key": api_key, "client_id": client_id, "base_url": "http://sandbox.flyt.test/sandbox/zettle"})
    assert response.status_code in (200, 400)
    assert "Connect Zettle" in html(response)


def test_the_connect_services_refuse_odd_credentials_themselves(merchant_a, bc, zettle):
    from integrations.services import setup as services

    integration = services.integration_start(merchant=merchant_a)
    account = bc.create_account()
    with pytest.raises(services.ConnectionProblem, match="The access token can only contain"):
        services.setup_connect_bigcommerce(
            merchant=merchant_a, integration=integration, store_hash=account["settings"]["store_hash"],
            access_token="tøken", client_secret=account["credentials"]["client_secret"],
            base_url="http://sandbox.flyt.test/sandbox/bigcommerce")
    with pytest.raises(services.ConnectionProblem, match="The API key can only contain"):
        services.setup_connect_zettle(merchant=merchant_a, integration=integration, api_key="nøkkel",
                                      client_id="abc", base_url="http://sandbox.flyt.test/sandbox/zettle")
    assert bc.calls() == [] and zettle.calls() == []
