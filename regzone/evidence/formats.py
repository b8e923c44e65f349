"""Evidence reports: JSON (the record), OCSF Compliance Findings, JUnit XML (CI), Markdown (people)."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from xml.etree import ElementTree as ET  # nosec B405

from regzone import __name__ as _package
from regzone import version
from regzone.catalog import load_catalog
from regzone.evidence.model import Finding, Status
from regzone.evidence.runner import Report

NO_CONTROL = "(no catalog control)"


def render_json(report: Report) -> str:
    return json.dumps({"generated_at": report.generated_at, "account": report.account,
                       "regions": list(report.regions), "zone": report.zone,
                       "min_retention_days": report.min_retention_days, "summary": report.counts(),
                       "stats": report.stats, "findings": [f.as_dict() for f in report.findings]}, indent=2) + "\n"


# OCSF 1.1 Compliance Finding (class 2003, category Findings); compliance status 1 Pass, 3 Fail, 99 Other.
_OCSF_STATUS = {Status.PASS: (1, "Pass"), Status.FAIL: (3, "Fail"), Status.ERROR: (99, "Error")}
_OCSF_SEVERITY = {"low": (2, "Low"), "medium": (3, "Medium"), "high": (4, "High"), "critical": (5, "Critical")}


def _requirements(finding: Finding) -> list[str]:
    return [f"{framework} {item}" for framework, items in sorted(finding.requirements.items()) for item in items]


def finding_uid(finding: Finding) -> str:
    """The same check, control, resource and region get the same id in every run, so that a security
    tool tracks one finding over time (resource ids carry the account)."""
    key = "\x1f".join((finding.check, finding.control or "", finding.resource, finding.region))
    return f"regzone-{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def render_ocsf(report: Report) -> str:
    time_ms = int(datetime.fromisoformat(report.generated_at).timestamp() * 1000)
    events = []
    for finding in report.findings:
        status_id, status = _OCSF_STATUS[finding.status]
        severity_id, severity = _OCSF_SEVERITY.get(finding.severity, (0, "Unknown"))
        events.append({
            "class_uid": 2003, "class_name": "Compliance Finding", "category_uid": 2, "category_name": "Findings",
            "activity_id": 1, "activity_name": "Create", "type_uid": 200301, "type_name": "Compliance Finding: Create",
            "time": time_ms, "severity_id": severity_id, "severity": severity, "status_id": 1, "status": "New",
            "message": finding.message,
            "metadata": {"version": "1.1.0", "product": {"name": "regzone evidence", "vendor_name": _package,
                                                         "version": version()}},
            "finding_info": {"uid": finding_uid(finding), "title": finding.check,
                             "desc": finding.message, "types": [finding.check]},
            "compliance": {"control": finding.control or "", "requirements": _requirements(finding),
                           "standards": sorted(finding.requirements), "status_id": status_id, "status": status,
                           "status_detail": finding.message},
            "resources": [{"uid": finding.resource, "region": finding.region,
                           "cloud_partition": finding.resource.split(":")[1] if finding.resource.startswith("arn:") else None}],
            "cloud": {"provider": "AWS", "account": {"uid": report.account}, "region": finding.region},
        })
    return json.dumps(events, indent=2) + "\n"


def render_junit(report: Report) -> str:
    counts = report.counts()
    suites = ET.Element("testsuites", name="regzone evidence", tests=str(len(report.findings)),
                        failures=str(counts["FAIL"]), errors=str(counts["ERROR"]))
    suite = ET.SubElement(suites, "testsuite", name=f"regzone evidence {report.account}",
                          tests=str(len(report.findings)), failures=str(counts["FAIL"]), errors=str(counts["ERROR"]),
                          timestamp=report.generated_at)
    for finding in report.findings:
        case = ET.SubElement(suite, "testcase", classname=f"{finding.control or 'uncatalogued'}.{finding.check}",
                             name=f"{finding.resource} ({finding.region})")
        if finding.status is Status.FAIL:
            ET.SubElement(case, "failure", message=finding.message, type="FAIL").text = finding.message
        elif finding.status is Status.ERROR:
            ET.SubElement(case, "error", message=finding.message, type="ERROR").text = finding.message
        else:
            ET.SubElement(case, "system-out").text = finding.message
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    catalog = load_catalog()
    by_control: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_control[finding.control or NO_CONTROL].append(finding)
    counts = report.counts()
    lines = [f"# Evidence for account {report.account}", "",
             f"Generated {report.generated_at} in {', '.join(report.regions)}"
             + (f" for zone `{report.zone}`" if report.zone else " for the whole account")
             + f"; audit retention required: {report.min_retention_days} days.", "",
             f"**{counts['PASS']} pass, {counts['FAIL']} fail, {counts['ERROR']} error.**", "",
             "| control | title | pass | fail | error |", "|---|---|---:|---:|---:|"]
    for control_id in sorted(by_control):
        findings = by_control[control_id]
        title = catalog.control(control_id).title if control_id != NO_CONTROL else ", ".join(
            sorted({f.check for f in findings}))
        tally = {s: sum(f.status is s for f in findings) for s in Status}
        lines.append(f"| {control_id} | {_cell(title)} | {tally[Status.PASS]} | {tally[Status.FAIL]} "
                     f"| {tally[Status.ERROR]} |")
    for control_id in sorted(by_control):
        bad = [f for f in by_control[control_id] if f.status is not Status.PASS]
        if not bad:
            continue
        lines += ["", f"## {control_id}", ""]
        lines += [f"- **{f.status.value}** `{f.check}` `{f.resource}` ({f.region}): {f.message}" for f in bad]
    return "\n".join(lines) + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown, "junit": render_junit, "ocsf": render_ocsf}
