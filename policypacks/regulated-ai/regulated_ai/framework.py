"""Declaring policies: metadata from the control catalog, plain property views, fail-closed unknowns.

A policy module declares checks with `@resource_policy(...)` or `@stack_policy(...)`; the check
yields violation messages. The decorators build the pulumi-policy objects with the catalog's
framework, severity, remediation and docs URL so that every policy is traceable to its controls.
"""
from __future__ import annotations

import copy
import gc
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi_policy.policy
from google.protobuf import json_format
from pulumi_policy.proxy import UnknownValueError
from pulumi_policy import (EnforcementLevel, Policy, PolicyComplianceFramework, PolicyConfigSchema,
                           ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity,
                           StackValidationArgs, StackValidationPolicy)

from regulated_ai.settings import DEFAULTS, SETTINGS_SCHEMA, Settings, SettingsError, settings_from_config
from regulated_ai.values import (UNKNOWN, InvalidValue, Unverifiable, as_bool, as_number, is_unknown, lookup, plain,
                                 reference, reference_at, unknown_path, unverifiable)
from regzone.catalog import Control, load_catalog

_REGISTRY: list[Policy] = []
_POLICY_CONTROLS: dict[str, list[str]] = {}
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SEVERITY = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH,
             "critical": Severity.CRITICAL}
_SEVERITY_ORDER = ["low", "medium", "high", "critical"]

# The SDK converts a resource's properties (MessageToDict, deserialize, unknown-checking proxy) for
# every policy, and for every resource once per stack policy: with dozens of policies that was most of
# the pack's time (bench/README.md). Within one Analyze or AnalyzeStack call those inputs are the same
# request objects, so each conversion, and the plain view below, is made once per object and shared by
# the call's policies (which only read them). Nothing is cached outside a call or across calls.
_CALL = threading.local()


def _once_per_call(convert: Callable[..., Any]) -> Callable[..., Any]:
    def shared(value: Any, *args: Any) -> Any:
        memo = getattr(_CALL, "memo", None)
        if memo is None:
            return convert(value, *args)
        key = (convert, id(value), *args)
        if key not in memo:  # the memo holds `value`, so its id cannot be reused during the call
            memo[key] = (value, convert(value, *args))
        return memo[key][1]
    return shared


def _call_scope(method: Callable[..., Any], *, by_type: bool = False) -> Callable[..., Any]:
    """Also pauses the cyclic GC for the call: everything the call builds stays alive until it returns
    (the memo holds it), so each collection only rescanned it, which made AnalyzeStack superlinear.
    With `by_type`, the call's policy loop sees only the policies that apply to the request's type."""
    def scoped(self: Any, request: Any, context: Any) -> Any:
        _CALL.memo = {}
        if by_type:
            _CALL.only = self._PolicyAnalyzerServicer__policies.applying_to(request.type)
        collecting = gc.isenabled()
        gc.disable()
        try:
            return method(self, request, context)
        finally:
            _CALL.memo = None
            _CALL.only = None
            if collecting:
                gc.enable()
    return scoped


def _applies(policy: Policy, type_token: str) -> bool:
    wanted = getattr(policy, "types", None)
    if wanted is None or not isinstance(policy, ResourceValidationPolicy):
        return True  # not declared through resource_policy: let the SDK decide, as it would
    return wanted(type_token) if callable(wanted) else type_token in wanted


class _PolicyList(list):
    """The servicer's policies. The SDK builds each policy's arguments (options, provider, config)
    before the policy can say the type is not its own: for ~50 resource policies that was most of an
    Analyze call. During an Analyze call the loop sees only the policies whose types match; anywhere
    else (GetAnalyzerInfo, AnalyzeStack) it sees them all. Thread-local, so concurrent calls are safe."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        super().__init__(policies)
        self._by_type: dict[str, list[Policy]] = {}

    def applying_to(self, type_token: str) -> list[Policy]:
        if type_token not in self._by_type:
            self._by_type[type_token] = [p for p in list.__iter__(self) if _applies(p, type_token)]
        return self._by_type[type_token]

    def __iter__(self) -> Iterator[Policy]:
        only = getattr(_CALL, "only", None)
        return iter(only) if only is not None else list.__iter__(self)


class _SharedJsonFormat:
    """json_format as the SDK module sees it, with MessageToDict shared within a call."""

    MessageToDict = staticmethod(_once_per_call(json_format.MessageToDict))

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)


def _share_sdk_conversions(sdk: Any = pulumi_policy.policy) -> None:
    servicer = sdk._PolicyAnalyzerServicer  # noqa: SLF001 - pulumi-policy is pinned; see bench/README.md
    sdk.json_format = _SharedJsonFormat()
    sdk.deserialize_properties = _once_per_call(sdk.deserialize_properties)
    sdk.unknown_checking_proxy = _once_per_call(sdk.unknown_checking_proxy)
    servicer.Analyze = _call_scope(servicer.Analyze, by_type=True)
    servicer.AnalyzeStack = _call_scope(servicer.AnalyzeStack)
    original_init = servicer.__init__

    def init(self: Any, name: str, version: str, policies: list[Policy], *args: Any, **kwargs: Any) -> None:
        original_init(self, name, version, policies, *args, **kwargs)
        self._PolicyAnalyzerServicer__policies = _PolicyList(policies)

    servicer.__init__ = init


_share_sdk_conversions()
_plain = _once_per_call(plain)
PROVIDER = "provider"  # the path prefix of the resource's provider's properties in an unknown's path


@dataclass
class ResourceView:
    """One resource as a policy sees it, with plain properties in which every unknown refuses any use
    (values.Unknown: the policy reports "cannot be verified" naming its path)."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    protect: bool = False
    provider_props: dict[str, Any] = field(default_factory=dict)
    parent: "ResourceView | None" = None
    dependencies: list["ResourceView"] = field(default_factory=list)
    property_dependencies: dict[str, list["ResourceView"]] = field(default_factory=dict)
    settings: Settings = DEFAULTS  # the pack config this policy received (regulated_ai/settings.py)

    def get(self, path: str, default: Any = None) -> Any:
        """The value at `path` (`default` when absent). An unknown in it refuses any use, at any depth."""
        return lookup(self.props, path, default)

    def known(self, path: str, default: Any = None) -> Any:
        """The value at `path`; an unknown there raises Unverifiable at once (deeper ones when used)."""
        value = lookup(self.props, path, default)
        if is_unknown(value):
            raise unverifiable(value)
        return value

    def reference(self, path: str, default: Any = None) -> Any:
        """The value at `path` for a read the control does not depend on (a name in a message, a
        reference resolved through a dependency when unknown): unknowns are the inert UNKNOWN."""
        return reference_at(self.props, path, default)

    def flag(self, path: str, default: bool | None = None) -> bool | None:
        """The boolean at `path` as the provider reads it ("true", "1", 1 ...; values.as_bool), or
        `default` when unset; an unknown raises Unverifiable, a non-boolean InvalidValue."""
        value = as_bool(lookup(self.props, path), path)
        return default if value is None else value

    def number(self, path: str, default: float | None = None) -> float | None:
        """The number at `path` as the provider reads it ("30" is 30; values.as_number), or `default`."""
        value = as_number(lookup(self.props, path), path)
        return default if value is None else value


class StackView:
    """All resources of a stack, indexed by type and URN once, so stack policies stay linear."""

    def __init__(self, resources: list[ResourceView], settings: Settings = DEFAULTS) -> None:
        self.resources = resources
        self.settings = settings
        self.by_urn = {r.urn: r for r in resources}
        self._by_type: dict[str, list[ResourceView]] = defaultdict(list)
        for resource in resources:
            self._by_type[resource.type].append(resource)

    def of_type(self, *types: str) -> Iterator[ResourceView]:
        for type_token in types:
            yield from self._by_type.get(type_token, ())


def _metadata(name: str, controls: Sequence[str]) -> dict[str, Any]:
    catalog = load_catalog()
    entries: list[Control] = []
    for control_id in controls:
        try:
            entries.append(catalog.control(control_id))
        except KeyError:
            raise ValueError(f"policy {name} names control {control_id}, which is not in catalog/controls.yaml") from None
    first = entries[0]
    framework_name = next(iter(first.requirements))
    framework = catalog.frameworks[framework_name]
    tags = [f"control:{c.id}" for c in entries]
    tags += sorted({f"{fw}:{req}" for c in entries for fw, reqs in c.requirements.items() for req in reqs})
    severity = max((c.severity for c in entries), key=_SEVERITY_ORDER.index)
    return {
        "severity": _SEVERITY[severity],
        "framework": PolicyComplianceFramework(name=framework_name, version=framework.version,
                                               reference=framework.reference,
                                               specification=", ".join(first.requirements[framework_name])),
        "tags": tags,
        "remediation_steps": "\n".join(f"{c.id}: {c.remediation}" for c in entries),
        "url": catalog.docs_link(first.id),
        # Every policy declares the same shared settings: the CLI sends config per policy.
        "config_schema": PolicyConfigSchema(properties=SETTINGS_SCHEMA),
    }


def _prefix(controls: Sequence[str]) -> str:
    return "[" + ", ".join(controls) + "] "


def _unverifiable_message(path: str) -> str:
    return (f"cannot be verified at preview: `{path}` is unknown until deployment. "
            "Give it a literal value so that the control is checked before anything is deployed.")


def _unverifiable_in(err: BaseException | None) -> Unverifiable | None:
    """The unknown behind a failure, also when the policy's code wrapped it in another exception."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, Unverifiable):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


class _AdvisoryUnknown(UnknownValueError):
    """The SDK's own preview-unknown note (an advisory diagnostic), with the pack's message."""

    def __init__(self, message: str) -> None:  # noqa: D107 - the SDK reads `.message`
        Exception.__init__(self, message)
        self.message = message


def _report_failure(err: Exception, prefix: str, report_violation: ReportViolation, advisory_unknowns: str,
                    stack_urn: str | None) -> None:
    """Fail closed: an unknown the control depends on is a violation naming its path (mandatory
    unless the control declared `advisory_unknowns`, then the SDK's advisory preview note); an
    invalid value or any other failure is a violation."""
    missing = _unverifiable_in(err)
    if missing is not None:
        message = prefix + _unverifiable_message(missing.path)
        urn = None if stack_urn is None else (missing.urn or None)
        if advisory_unknowns:
            where = f" ({missing.urn})" if urn else ""
            raise _AdvisoryUnknown(f"{message}{where} Advisory for this control: {advisory_unknowns}") from None
        report_violation(message, urn)
    elif isinstance(err, InvalidValue):
        report_violation(prefix + _invalid_value_message(err), None)
    else:
        report_violation(prefix + _policy_error(err), None)


def _invalid_value_message(err: InvalidValue) -> str:
    return f"{err}: the control cannot be judged on it. Give it a literal value of that type."


def _policy_error(err: Exception) -> str:
    """An unexpected failure is a violation (fail closed), not a crashed preview."""
    if isinstance(err, SettingsError):
        return f"policy config error: {err}. Fix the --policy-pack-config file (see docs/policy-pack.md)."
    return (f"policy error: {type(err).__name__}: {err}. The control was not evaluated; "
            "this blocks the deployment until the policy or the resource is fixed.")


def resource_view_from_args(args: ResourceValidationArgs) -> ResourceView:
    provider = _plain(args.provider.props, PROVIDER, args.urn) if args.provider is not None else {}
    protect = bool(args.opts.protect) if args.opts is not None else False
    return ResourceView(type=args.resource_type, name=args.name, urn=args.urn, props=_plain(args.props, "", args.urn),
                        protect=protect, provider_props=provider)


def resource_policy(name: str, *, description: str, controls: Sequence[str],
                    types: Collection[str] | Callable[[str], bool],
                    enforcement: EnforcementLevel = EnforcementLevel.MANDATORY, advisory_unknowns: str = ""
                    ) -> Callable[[Callable[[ResourceView], Iterable[str]]], ResourceValidationPolicy]:
    """Declare a resource policy; the check yields one message per violation. `types` is a set of
    type tokens or a predicate on the token (e.g. every `aws:` type). An unknown the check meets
    blocks ("cannot be verified at preview"); `advisory_unknowns` gives the reason why, for this
    control alone, it only warns (docs/policy-pack.md, "Failing closed")."""
    if not _NAME.match(name):
        raise ValueError(f"policy name {name!r} must be kebab-case")
    wanted = types if callable(types) else frozenset(types)
    applies = wanted if callable(wanted) else wanted.__contains__

    def decorate(check: Callable[[ResourceView], Iterable[str]]) -> ResourceValidationPolicy:
        prefix = _prefix(controls)

        def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            if not applies(args.resource_type):
                return
            try:
                view = resource_view_from_args(args)
                view.settings = settings_from_config(args.get_config())
                for message in check(view):
                    report_violation(prefix + message, None)
            except Exception as err:  # noqa: BLE001 - any failure must block, not crash the preview
                _report_failure(err, prefix, report_violation, advisory_unknowns, None)

        policy = ResourceValidationPolicy(name=name, description=description, validate=validate,
                                          enforcement_level=enforcement, **_metadata(name, controls))
        policy.check = check  # the plain function, for unit tests
        policy.types = wanted
        policy.advisory_unknowns = advisory_unknowns
        _register(policy, controls)
        return policy

    return decorate


def stack_policy(name: str, *, description: str, controls: Sequence[str],
                 types: Collection[str] | Callable[[str], bool] = (),
                 enforcement: EnforcementLevel = EnforcementLevel.MANDATORY, advisory_unknowns: str = ""
                 ) -> Callable[[Callable[[StackView], Iterable[tuple[str, str]]]], StackValidationPolicy]:
    """Declare a stack policy; the check yields `(urn, message)` per violation. `types` are the
    resource types whose settings it judges (the coverage of its controls, regzone/coverage); a
    stack policy sees every resource regardless. Unknowns as for resource_policy."""
    if not _NAME.match(name):
        raise ValueError(f"policy name {name!r} must be kebab-case")

    def decorate(check: Callable[[StackView], Iterable[tuple[str, str]]]) -> StackValidationPolicy:
        prefix = _prefix(controls)

        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            try:
                stack = copy.copy(_stack_view_for_call(args))
                stack.settings = settings_from_config(args.get_config())
                for urn, message in check(stack):
                    report_violation(prefix + message, urn)
            except Exception as err:  # noqa: BLE001 - any failure must block, not crash the preview
                _report_failure(err, prefix, report_violation, advisory_unknowns, "")

        policy = StackValidationPolicy(name=name, description=description, validate=validate,
                                       enforcement_level=enforcement, **_metadata(name, controls))
        policy.check = check
        policy.types = types if callable(types) else frozenset(types)
        policy.advisory_unknowns = advisory_unknowns
        _register(policy, controls)
        return policy

    return decorate


def _stack_view_for_call(args: StackValidationArgs) -> StackView:
    """Every stack policy of one AnalyzeStack call judges the same resources: build their view once."""
    memo = getattr(_CALL, "memo", None)
    if memo is None:
        return stack_view_from_args(args)
    if "stack" not in memo:
        memo["stack"] = stack_view_from_args(args)
    return memo["stack"]


def stack_view_from_args(args: StackValidationArgs) -> StackView:
    views: dict[int, ResourceView] = {}
    for resource in args.resources:
        provider = _plain(resource.provider.props, PROVIDER, resource.urn) if resource.provider is not None else {}
        views[id(resource)] = ResourceView(
            type=resource.resource_type, name=resource.name, urn=resource.urn,
            props=_plain(resource.props, "", resource.urn),
            protect=bool(resource.opts.protect) if resource.opts is not None else False,
            provider_props=provider)
    for resource in args.resources:
        view = views[id(resource)]
        if resource.parent is not None:
            view.parent = views.get(id(resource.parent))
        view.dependencies = [views[id(d)] for d in resource.dependencies if id(d) in views]
        view.property_dependencies = {key: [views[id(d)] for d in deps if id(d) in views]
                                      for key, deps in resource.property_dependencies.items()}
    return StackView(list(views.values()))


def _register(policy: Policy, controls: Sequence[str]) -> None:
    if any(existing.name == policy.name for existing in _REGISTRY):
        raise ValueError(f"policy {policy.name} is declared twice")
    _REGISTRY.append(policy)
    _POLICY_CONTROLS[policy.name] = list(controls)


def registered_policies() -> list[Policy]:
    return list(_REGISTRY)


def policy_controls() -> dict[str, list[str]]:
    return dict(_POLICY_CONTROLS)


__all__ = ["UNKNOWN", "InvalidValue", "ResourceView", "StackView", "Unverifiable", "as_bool", "as_number", "reference_at",
           "is_unknown", "reference", "unknown_path", "unverifiable", "policy_controls", "registered_policies", "resource_policy", "stack_policy"]
