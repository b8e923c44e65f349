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
                       "stats": report.stats, "findings": [f.as_dict() for f in report.findings],
                       "not_looked_at": {"outside_scanned_regions": [s.as_dict() for s in report.skipped],
                                         "not_judged": [n.as_dict() for n in report.not_judged]}},
                      indent=2) + "\n"


# OCSF 1.1 Compliance Finding (class 2003, category Findings); compliance status 1 Pass, 3 Fail, 99 Other.
_OCSF_STATUS = {Status.PASS: (1, "Pass"), Status.FAIL: (3, "Fail"), Status.ERROR: (99, "Error")}
_OCSF_NOT_JUDGED = (0, "Unknown")
_OCSF_SEVERITY = {"low": (2, "Low"), "medium": (3, "Medium"), "high": (4, "High"), "critical": (5, "Critical")}


def _requirements(finding: Finding) -> list[str]:
    return [f"{framework} {item}" for framework, items in sorted(finding.requirements.items()) for item in items]


def finding_uid(finding: Finding) -> str:
    """The same check, control, resource and region get the same id in every run, so that a security
    tool tracks one finding over time (resource ids carry the account)."""
    key = "\x1f".join((finding.check, finding.control or "", finding.resource, finding.region))
    return f"regzone-{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def _ocsf_event(report: Report, time_ms: int, *, uid: str, check: str, control: str, requirements: list[str],
                standards: list[str], status: tuple[int, str], severity: tuple[int, str], message: str,
                resource: str, region: str) -> dict:
    return {
        "class_uid": 2003, "class_name": "Compliance Finding", "category_uid": 2, "category_name": "Findings",
        "activity_id": 1, "activity_name": "Create", "type_uid": 200301, "type_name": "Compliance Finding: Create",
        "time": time_ms, "severity_id": severity[0], "severity": severity[1], "status_id": 1, "status": "New",
        "message": message,
        "metadata": {"version": "1.1.0", "product": {"name": "regzone evidence", "vendor_name": _package,
                                                     "version": version()}},
        "finding_info": {"uid": uid, "title": check, "desc": message, "types": [check]},
        "compliance": {"control": control, "requirements": requirements, "standards": standards,
                       "status_id": status[0], "status": status[1], "status_detail": message},
        "resources": [{"uid": resource, "region": region,
                       "cloud_partition": resource.split(":")[1] if resource.startswith("arn:") else None}],
        "cloud": {"provider": "AWS", "account": {"uid": report.account}, "region": region},
    }


def render_ocsf(report: Report) -> str:
    """One Compliance Finding per finding; a resource a check read and did not judge is one with
    compliance status Unknown (0) and Informational severity, saying why. Resources outside the scanned
    regions are not single findings: the JSON, Markdown and JUnit reports count them."""
    time_ms = int(datetime.fromisoformat(report.generated_at).timestamp() * 1000)
    events = [_ocsf_event(report, time_ms, uid=finding_uid(f), check=f.check, control=f.control or "",
                          requirements=_requirements(f), standards=sorted(f.requirements),
                          status=_OCSF_STATUS[f.status], severity=_OCSF_SEVERITY.get(f.severity, (0, "Unknown")),
                          message=f.message, resource=f.resource, region=f.region) for f in report.findings]
    events += [_ocsf_event(report, time_ms, uid=finding_uid(Finding(None, n.check, n.resource, n.region, Status.PASS,
                                                                    "", "", {})) + "-not-judged",
                           check=n.check, control="", requirements=[], standards=[], status=_OCSF_NOT_JUDGED,
                           severity=(1, "Informational"), message=f"not judged: {n.reason}", resource=n.resource,
                           region=n.region) for n in report.not_judged]
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
    # What the run did not look at, as skipped test cases (they neither pass nor fail the run).
    left_out = [(f"not-judged.{n.check}", f"{n.resource} ({n.region})", f"not judged: {n.reason}")
                for n in report.not_judged]
    left_out += [(f"not-scanned.{s.service}", f"{s.kind}s in {s.region}", s.reason) for s in report.skipped]
    for classname, name, reason in left_out:
        ET.SubElement(ET.SubElement(suite, "testcase", classname=classname, name=name), "skipped", message=reason)
    for element in (suites, suite):
        element.set("tests", str(len(report.findings) + len(left_out)))
        element.set("skipped", str(len(left_out)))
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
    lines += ["", "## Not looked at", ""]
    lines += [f"- {s.service}: {s.reason}" for s in report.skipped]
    lines += [f"- not judged by `{n.check}`: `{n.resource}` ({n.region}): {n.reason}" for n in report.not_judged]
    if not report.skipped and not report.not_judged:
        lines.append("Nothing: every resource the checks read in the scanned regions was judged.")
    return "\n".join(lines) + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown, "junit": render_junit, "ocsf": render_ocsf}
