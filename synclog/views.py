from django.core.paginator import Paginator
from django.shortcuts import render

from merchants.decorators import merchant_required
from synclog.selectors import sync_entry_list, sync_run_get, sync_run_list


@merchant_required
def run_list(request):
    page = Paginator(sync_run_list(merchant=request.merchant), 50).get_page(request.GET.get("page"))
    return render(request, "synclog/run_list.html", {"page": page})


@merchant_required
def run_detail(request, run_id):
    run = sync_run_get(merchant=request.merchant, run_id=run_id)
    level = request.GET.get("level") or None
    page = Paginator(sync_entry_list(merchant=request.merchant, run=run, level=level), 200).get_page(
        request.GET.get("page")
    )
    return render(request, "synclog/run_detail.html", {"run": run, "page": page, "level": level})
