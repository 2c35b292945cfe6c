"""CloudFront: data out and HTTPS requests by edge region, CloudFront Functions invocations."""

from __future__ import annotations

from ..engine import Context, rule, unit_price
from ..model import GLOBAL, Resource


@rule("aws:cloudfront/distribution:Distribution")
def _distribution(r: Resource, c: Context) -> tuple[float, str]:
    gb = c.usage["cloudfrontGbOut"]
    requests = c.usage["cloudfrontRequestsMillions"]
    price_class = str(r.props.get("priceClass") or "PriceClass_All")
    share = 0.0 if price_class == "PriceClass_100" else c.usage["cloudfrontSouthAmericaShare"]
    na = c.p(GLOBAL, "cloudfront", "data-out-north-america-europe")
    sa = c.p(GLOBAL, "cloudfront", "data-out-south-america")
    na_req = c.p(GLOBAL, "cloudfront", "https-requests-10k-north-america-europe")
    sa_req = c.p(GLOBAL, "cloudfront", "https-requests-10k-south-america")
    data = gb * ((1 - share) * na + share * sa)
    reqs = requests * 100 * ((1 - share) * na_req + share * sa_req)
    return data + reqs, (
        f"{gb:g} GB out + {requests:g}M HTTPS requests, {price_class}: {1 - share:.0%} at North America/Europe "
        f"rates ({unit_price(na)}/GB, {unit_price(na_req)}/10k), {share:.0%} at South America rates ({unit_price(sa)}/GB, "
        f"{unit_price(sa_req)}/10k)"
    )


@rule("aws:cloudfront/function:Function")
def _cloudfront_function(r: Resource, c: Context) -> tuple[float, str]:
    # Billed per invocation; counted as if every viewer request ran it (an upper bound: only the behaviours the
    # function is associated with run it).
    requests = c.usage["cloudfrontRequestsMillions"]
    rate = c.p(GLOBAL, "cloudfront", "function-invocations-million")
    return (
        requests * rate,
        f"at most {requests:g}M invocations (every viewer request) × {unit_price(rate)}/million",
    )
