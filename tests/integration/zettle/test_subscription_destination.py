"""Creating a Pusher subscription: Zettle posts a TestMessage to the destination there and then and
refuses the subscription when it cannot deliver it (400 DESTINATION_NOT_ACCESSIBLE when it cannot
reach it, 500 DESTINATION_RESPONDED_WITH_ERROR_CODE when it answers an error)."""

import httpx
import pytest

from integrations.errors import ConnectorError
from tests.integration.zettle.conftest import api_calls
from tests.integration.zettle.test_sandbox_behaviour import raw, token_for

DESTINATION = "https://flyt.example/webhooks/zettle/2f0b1c1e-0000-4000-8000-000000000001/"


def _body(uuid="00000000-0000-1000-8000-000000000001", destination=DESTINATION):
    return {"uuid": uuid, "transportName": "WEBHOOK", "eventNames": [], "destination": destination,
            "contactEmail": "ops@flyt.example"}


def _unreachable(url, headers, body):
    raise httpx.ConnectError("Name or service not known")


def test_an_unreachable_destination_is_refused_with_400_and_nothing_is_subscribed(sandbox, account):
    sandbox.sender = _unreachable
    answer = raw(sandbox, "POST", "/pusher/organizations/self/subscriptions", token=token_for(sandbox, account),
                 body=_body())
    assert answer.status == 400
    assert answer.body["errorType"] == "DESTINATION_NOT_ACCESSIBLE"
    assert sandbox.account(account["account"])["subscriptions"] == {}
    assert sandbox.webhooks.pending == []  # the test message is not retried: the subscription was refused


def test_a_destination_answering_an_error_is_refused_with_500(sandbox, account):
    sandbox.sender = lambda url, headers, body: 404
    answer = raw(sandbox, "POST", "/pusher/organizations/self/subscriptions", token=token_for(sandbox, account),
                 body=_body())
    assert answer.status == 500
    assert answer.body["errorType"] == "DESTINATION_RESPONDED_WITH_ERROR_CODE"
    assert sandbox.account(account["account"])["subscriptions"] == {}


def test_a_reachable_destination_gets_the_test_message_before_the_answer(sandbox, account):
    received = []
    sandbox.sender = lambda url, headers, body: received.append((url, headers, body)) or 200
    answer = raw(sandbox, "POST", "/pusher/organizations/self/subscriptions", token=token_for(sandbox, account),
                 body=_body())
    assert answer.status == 200 and answer.body["signingKey"]
    [(url, headers, body)] = received
    assert url == DESTINATION and b'"eventName": "TestMessage"' in body
    assert "X-iZettle-Signature" not in headers  # Zettle does not sign the test message
    assert list(sandbox.account(account["account"])["subscriptions"]) == [answer.body["uuid"]]


def test_the_client_reports_a_refused_destination_once_in_plain_words(sandbox, client):
    sandbox.sender = _unreachable
    with pytest.raises(ConnectorError) as caught:
        client.create_subscription(destination=DESTINATION, contact_email="ops@flyt.example")
    assert caught.value.retryable is False and caught.value.status == 400
    assert caught.value.detail["webhook_destination"] == "unreachable"
    assert "could not reach" in caught.value.message and "DESTINATION_NOT_ACCESSIBLE" not in caught.value.message
    sandbox.sender = lambda url, headers, body: 503
    with pytest.raises(ConnectorError) as caught:
        client.create_subscription(destination=DESTINATION, contact_email="ops@flyt.example")
    assert caught.value.retryable is False and caught.value.status == 500
    assert caught.value.detail["webhook_destination"] == "error"
    assert len(api_calls(sandbox, "/subscriptions", method="POST")) == 2  # a refused destination is not retried
