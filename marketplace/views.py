from django.shortcuts import render

from accounts import selectors as account_selectors


def home(request):
    return render(request, "marketplace/home.html")


def search(request):
    query = request.GET.get("q", "").strip()
    users = account_selectors.users_search(query=query)
    return render(request, "marketplace/search.html", {"query": query, "users": users})
