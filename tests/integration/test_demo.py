import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.models import Product
from inventory.selectors import stock_quantity
from merchants.models import Merchant


@pytest.mark.django_db
def test_demo_loads_once_and_its_printed_login_reaches_the_dashboard(client, capsys):
    call_command("demo")
    call_command("demo")
    out = capsys.readouterr().out
    merchant = Merchant.objects.get(name="Demo Shop")
    assert Product.objects.filter(merchant=merchant).count() == 4
    sock = merchant and Product.objects.get(merchant=merchant, title="Wool socks").variants.get(sku="SOCK-M")
    assert stock_quantity(merchant=merchant, variant=sock) == 42
    email = out.split("login:")[1].split()[0]
    password = out.split("password:")[1].split()[0]
    response = client.post(reverse("login"), {"username": email, "password": password}, follow=True)
    assert response.status_code == 200 and b"Demo Shop" in response.content
