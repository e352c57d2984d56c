from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

POLICIES = {
    "terms": "Terms of service",
    "conduct": "Rules of conduct",
    "support": "Support and account policy",
    "trust-and-safety": "Trust and safety",
}


def policy(request, slug):
    """T5: the conduct rules, published as pages; sign-up links to them."""
    return render(request, f"pages/{slug}.html", {"title": POLICIES[slug], "policies": POLICIES, "current": slug})


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
