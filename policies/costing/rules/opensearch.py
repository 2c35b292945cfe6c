"""OpenSearch Service: data, dedicated master and warm instance hours, EBS storage per data node."""

from __future__ import annotations

from ..engine import Context, num, rule, unit_price
from ..model import Resource


@rule("aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain")
def _opensearch(r: Resource, c: Context) -> tuple[float, str]:
    cc = r.props.get("clusterConfig") or {}
    data_type = str(cc.get("instanceType") or "r6g.large.search")
    data_n = num(cc.get("instanceCount"), 1)
    total = c.p(r.region, "opensearch.instance", data_type) * c.hours * data_n
    parts = [f"{data_n:g} × {data_type}"]
    if cc.get("dedicatedMasterEnabled") is True:
        m_type = str(cc.get("dedicatedMasterType"))
        m_n = num(cc.get("dedicatedMasterCount"), 3)
        total += c.p(r.region, "opensearch.instance", m_type) * c.hours * m_n
        parts.append(f"{m_n:g} × {m_type} dedicated masters")
    if cc.get("warmEnabled") is True:
        w_type = str(cc.get("warmType"))
        w_n = num(cc.get("warmCount"), 0)
        total += c.p(r.region, "opensearch.instance", w_type) * c.hours * w_n
        parts.append(f"{w_n:g} × {w_type} warm")
    ebs = r.props.get("ebsOptions") or {}
    if ebs.get("ebsEnabled") is not False and num(ebs.get("volumeSize")):
        vol_type = str(ebs.get("volumeType") or "gp3")
        size = num(ebs.get("volumeSize"))
        rate = c.p(r.region, "opensearch.storage", vol_type)
        total += size * data_n * rate
        parts.append(f"{size:g} GB {vol_type} × {data_n:g} data nodes × {unit_price(rate)}")
    return total, f"instance-hours × {c.hours:g} h: " + "; ".join(parts)
