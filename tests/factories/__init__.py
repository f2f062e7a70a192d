"""Factories for every model. Related rows are built in the same merchant as their parent."""

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from catalog.models import Category, Image, PriceList, Product, Variant, VariantPrice
from integrations.models import (
    Binding,
    Connection,
    Integration,
    IntegrationMember,
    Listing,
    Role,
    TaskAttempt,
    WebhookEvent,
)
from inventory.models import Allocation, Location, StockLevel, StockMovement
from merchants.models import Membership, Merchant
from synclog.models import SyncEntry, SyncRun


def _merchant_of(attr):
    """The merchant of the object in ``attr`` of the object being built."""
    return factory.LazyAttribute(lambda o: getattr(o, attr).merchant)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@shop.example")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password("pw-correct-horse")


class MerchantFactory(DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Shop {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    default_currency = "DKK"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)
    role = Membership.Role.OWNER


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    merchant = factory.SubFactory(MerchantFactory)
    title = factory.Sequence(lambda n: f"Product {n}")
    description = "A fine product."


class VariantFactory(DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    merchant = _merchant_of("product")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    barcode = factory.Sequence(lambda n: f"57{n:011d}")


class PriceListFactory(DjangoModelFactory):
    class Meta:
        model = PriceList

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Prices {n}")
    currency = "DKK"


class VariantPriceFactory(DjangoModelFactory):
    class Meta:
        model = VariantPrice

    variant = factory.SubFactory(VariantFactory)
    merchant = _merchant_of("variant")
    price_list = factory.SubFactory(PriceListFactory, merchant=factory.SelfAttribute("..merchant"))
    amount = "100.00"


class ImageFactory(DjangoModelFactory):
    class Meta:
        model = Image

    product = factory.SubFactory(ProductFactory)
    merchant = _merchant_of("product")
    source_url = factory.Sequence(lambda n: f"https://cdn.shop.example/img/{n}.jpg")


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Location {n}")


class StockLevelFactory(DjangoModelFactory):
    class Meta:
        model = StockLevel

    variant = factory.SubFactory(VariantFactory)
    merchant = _merchant_of("variant")
    location = factory.SubFactory(LocationFactory, merchant=factory.SelfAttribute("..merchant"))
    quantity = 0


class ConnectionFactory(DjangoModelFactory):
    class Meta:
        model = Connection

    merchant = factory.SubFactory(MerchantFactory)
    platform = "bigcommerce"
    name = factory.Sequence(lambda n: f"Connection {n}")
    external_account_id = factory.Sequence(lambda n: f"store{n}")
    settings = factory.LazyAttribute(lambda o: {"store_hash": o.external_account_id})
    credentials = factory.LazyFunction(lambda: {"access_token": "tok-live-abcdef123456"})
    status = Connection.Status.ACTIVE


class StockMovementFactory(DjangoModelFactory):
    class Meta:
        model = StockMovement

    variant = factory.SubFactory(VariantFactory)
    merchant = _merchant_of("variant")
    location = factory.SubFactory(LocationFactory, merchant=factory.SelfAttribute("..merchant"))
    delta = -1
    quantity_after = -1
    reason = StockMovement.Reason.SALE
    idempotency_key = factory.Sequence(lambda n: f"evt-{n}")
    occurred_at = factory.Faker("date_time", tzinfo=__import__("datetime").UTC)


class AllocationFactory(DjangoModelFactory):
    class Meta:
        model = Allocation

    variant = factory.SubFactory(VariantFactory)
    merchant = _merchant_of("variant")
    connection = factory.SubFactory(ConnectionFactory, merchant=factory.SelfAttribute("..merchant"))
    quantity = 3


class BindingFactory(DjangoModelFactory):
    class Meta:
        model = Binding

    connection = factory.SubFactory(ConnectionFactory)
    merchant = _merchant_of("connection")
    kind = Binding.Kind.PRODUCT
    hub_id = factory.Sequence(lambda n: n + 1)
    external_id = factory.Sequence(lambda n: str(1000 + n))


class WebhookEventFactory(DjangoModelFactory):
    class Meta:
        model = WebhookEvent

    connection = factory.SubFactory(ConnectionFactory)
    merchant = _merchant_of("connection")
    delivery_id = factory.Sequence(lambda n: f"delivery-{n}")
    topic = "store/product/updated"
    body = b'{"data": {"id": 1}}'


class SyncRunFactory(DjangoModelFactory):
    class Meta:
        model = SyncRun

    connection = factory.SubFactory(ConnectionFactory)
    merchant = _merchant_of("connection")
    trigger = SyncRun.Trigger.MANUAL


class SyncEntryFactory(DjangoModelFactory):
    class Meta:
        model = SyncEntry

    run = factory.SubFactory(SyncRunFactory)
    merchant = _merchant_of("run")
    message = "Product 'Blue mug' (SKU MUG-1) updated."


class TaskAttemptFactory(DjangoModelFactory):
    class Meta:
        model = TaskAttempt

    task_id = factory.Sequence(lambda n: f"task-{n}")
    task_name = "integrations.tasks.connection_sync_task"


class IntegrationFactory(DjangoModelFactory):
    """A Zettle ↔ BigCommerce integration: its two connections become its members, ``home_platform``'s
    as the home base for products (none with ``home_platform=""``), both syncing stock both ways."""

    class Meta:
        model = Integration

    merchant = factory.SubFactory(MerchantFactory)
    bigcommerce = factory.SubFactory(ConnectionFactory, merchant=factory.SelfAttribute("..merchant"))
    zettle = factory.SubFactory(ConnectionFactory, merchant=factory.SelfAttribute("..merchant"), platform="zettle",
                                settings={})
    home_platform = "bigcommerce"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        connections = [kwargs.pop("bigcommerce"), kwargs.pop("zettle")]
        home = kwargs.pop("home_platform")
        integration = super()._create(model_class, *args, **kwargs)
        for position, connection in enumerate(c for c in connections if c is not None):
            role = Role.OFF if not home else Role.HOME if connection.platform == home else Role.TARGET
            IntegrationMember.objects.create(merchant=integration.merchant, integration=integration,
                                             connection=connection, products_role=role,
                                             stock_role=Role.BOTH if home else Role.OFF, position=position)
        return integration


class ListingFactory(DjangoModelFactory):
    class Meta:
        model = Listing

    integration = factory.SubFactory(IntegrationFactory)
    merchant = _merchant_of("integration")
    product = factory.SubFactory(ProductFactory, merchant=factory.SelfAttribute("..merchant"))
    source = Listing.Source.SETUP
