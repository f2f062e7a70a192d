"""The product's URLs plus one view that fails, to see the 500 page a merchant gets."""

from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), *product_urlpatterns]
