"""Turning template.yaml into what moto's CloudFormation can create, the way `sam deploy` would.

1. ``package``: zip the shared ``CodeUri`` (functions/) as `sam package` uploads it, and point every
   function at the uploaded object.
2. ``transform``: aws-sam-translator turns the SAM template into plain CloudFormation, offline.
3. ``resolve_conditions``: evaluates ``Conditions`` for the given parameters, drops resources and
   outputs whose condition is false and replaces ``Fn::If`` / ``AWS::NoValue``. CloudFormation does
   this itself; moto's implementation fails on ``AWS::NoValue`` inside lists, so it is done here.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform as sam_transform
from samtranslator.yaml_helper import yaml_parse

_NO_VALUE = object()
_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}


class TemplateError(Exception):
    """The template cannot be deployed locally (an unsupported construct, a bad parameter)."""


def load_template(path: Path) -> dict[str, Any]:
    template: dict[str, Any] = yaml_parse(path.read_text())
    return template


def package_code(code_dir: Path) -> bytes:
    """The zip `sam package` would upload for a CodeUri (python sources only, no caches)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(code_dir.rglob("*")):
            if path.is_file() and not _SKIP_PARTS.intersection(path.parts) and path.suffix != ".pyc":
                archive.write(path, path.relative_to(code_dir).as_posix())
    return buffer.getvalue()


def code_uris(template: Mapping[str, Any]) -> set[str]:
    """Every local CodeUri the template names (Globals and per function)."""
    uris = set()
    global_uri = template.get("Globals", {}).get("Function", {}).get("CodeUri")
    if isinstance(global_uri, str):
        uris.add(global_uri)
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            uri = resource.get("Properties", {}).get("CodeUri")
            if isinstance(uri, str):
                uris.add(uri)
    return uris


def with_code_location(template: Mapping[str, Any], bucket: str, keys: Mapping[str, str]) -> dict[str, Any]:
    """A copy of the template whose CodeUris point at uploaded objects (``keys``: local uri -> key)."""
    result = copy.deepcopy(dict(template))
    function_globals = result.get("Globals", {}).get("Function", {})
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = f"s3://{bucket}/{keys[function_globals['CodeUri']]}"
    for resource in result.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(properties.get("CodeUri"), str):
            properties["CodeUri"] = f"s3://{bucket}/{keys[properties['CodeUri']]}"
    return result


class _NoManagedPolicies:
    """The translator's managed-policy loader; this template names no managed policy by name."""

    def load(self) -> dict[str, str]:
        return {}


def transform(template: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, Any]:
    """SAM -> CloudFormation with aws-sam-translator (needs AWS_DEFAULT_REGION in the environment)."""
    try:
        result: dict[str, Any] = sam_transform(dict(template), dict(parameters), _NoManagedPolicies())
    except Exception as exc:  # the translator raises its own exception types with a readable text
        raise TemplateError(f"SAM transform failed: {exc}") from exc
    return result


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    """Defaults from the template, overridden, checked against AllowedValues (as CloudFormation does)."""
    declared: Mapping[str, Any] = template.get("Parameters", {})
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"unknown parameters: {', '.join(sorted(unknown))}")
    values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
    values.update({name: str(value) for name, value in overrides.items()})
    for name, spec in declared.items():
        allowed = spec.get("AllowedValues")
        if allowed is not None and values[name] not in {str(v) for v in allowed}:
            raise TemplateError(f"parameter {name}={values[name]!r} is not one of {allowed}")
    return values


def _evaluate(condition: Any, conditions: Mapping[str, Any], parameters: Mapping[str, str]) -> bool:
    if not isinstance(condition, dict) or len(condition) != 1:
        raise TemplateError(f"unsupported condition: {condition!r}")
    ((function, args),) = condition.items()
    if function == "Fn::Equals":
        left, right = (_scalar(arg, parameters) for arg in args)
        return left == right
    if function == "Fn::Not":
        return not _evaluate(args[0], conditions, parameters)
    if function == "Fn::And":
        return all(_evaluate(arg, conditions, parameters) for arg in args)
    if function == "Fn::Or":
        return any(_evaluate(arg, conditions, parameters) for arg in args)
    if function == "Condition":
        return _evaluate(conditions[args], conditions, parameters)
    raise TemplateError(f"unsupported condition function: {function}")


def _scalar(value: Any, parameters: Mapping[str, str]) -> str:
    found = _value(value, parameters)
    if not isinstance(found, str):
        raise TemplateError(f"a condition compares a list: {value!r}")
    return found


def _value(value: Any, parameters: Mapping[str, str]) -> str | list[str]:
    """A value in a condition: a literal, a parameter, or Fn::Sub / Split / Select / Join of them."""
    if isinstance(value, str | int | float | bool):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((function, args),) = value.items()
        if function == "Ref":
            return parameters[args]
        if function == "Fn::Sub" and isinstance(args, str):
            return re.sub(r"\$\{([^!}][^}]*)\}", lambda match: parameters[match.group(1)], args)
        if function == "Fn::Split":
            return str(_value(args[1], parameters)).split(args[0])
        if function == "Fn::Select":
            return _value(args[1], parameters)[int(args[0])]
        if function == "Fn::Join":
            return str(args[0]).join(str(_value(item, parameters)) for item in args[1])
    raise TemplateError(f"unsupported value in a condition: {value!r}")


def _strip(node: Any, truth: Mapping[str, bool]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return _strip(if_true if truth[name] else if_false, truth)
        if node == {"Ref": "AWS::NoValue"}:
            return _NO_VALUE
        return {k: v for k, v in ((k, _strip(v, truth)) for k, v in node.items()) if v is not _NO_VALUE}
    if isinstance(node, list):
        return [v for v in (_strip(item, truth) for item in node) if v is not _NO_VALUE]
    return node


def resolve_conditions(template: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, Any]:
    """The template as CloudFormation would create it for these parameter values."""
    conditions: Mapping[str, Any] = template.get("Conditions", {})
    truth = {name: _evaluate(body, conditions, parameters) for name, body in conditions.items()}
    for rule_name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not _evaluate(rule["RuleCondition"], conditions, parameters):
            continue
        for assertion in rule.get("Assertions", []):
            if not _evaluate(assertion["Assert"], conditions, parameters):
                raise TemplateError(
                    f"rule {rule_name}: {assertion.get('AssertDescription', 'assertion failed')}"
                )

    def kept(section: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for name, body in section.items():
            if truth.get(body.get("Condition", ""), True):
                out[name] = _strip({k: v for k, v in body.items() if k != "Condition"}, truth)
        return out

    result = {k: v for k, v in template.items() if k not in {"Conditions", "Rules"}}
    result["Resources"] = kept(template.get("Resources", {}))
    result["Outputs"] = kept(template.get("Outputs", {}))
    for name, resource in result["Resources"].items():
        missing = [dep for dep in _as_list(resource.get("DependsOn")) if dep not in result["Resources"]]
        if missing:
            raise TemplateError(f"{name} depends on resources its condition removed: {missing}")
    return result


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def references(node: Any) -> set[str]:
    """Logical ids a template fragment refers to (Ref, Fn::GetAtt, ${...} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value.split(".", 1)[0] if isinstance(value, str) else value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found |= {token.split(".", 1)[0] for token in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                if not isinstance(value, str):
                    found |= references(value[1])
            else:
                found |= references(value)
    return found


def split_for_moto(
    template: Mapping[str, Any], unsupported: set[str]
) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """(what moto's CloudFormation can create, the outputs that wait for the rest, what waits).

    Resources of a type moto cannot create wait (they are created through the service APIs
    afterwards), and so does any resource that refers to one that waits, transitively.
    """
    waiting = set(unsupported)
    resources = dict(template["Resources"])
    changed = True
    while changed:
        changed = False
        for name, body in resources.items():
            if name not in waiting and (references(body) | set(_as_list(body.get("DependsOn")))) & waiting:
                waiting.add(name)
                changed = True
    outputs = template.get("Outputs", {})
    later = {name: body for name, body in outputs.items() if references(body) & waiting}
    now = {name: body for name, body in outputs.items() if name not in later}
    kept = {name: body for name, body in resources.items() if name not in waiting}
    return {**template, "Resources": kept, "Outputs": now}, later, waiting
