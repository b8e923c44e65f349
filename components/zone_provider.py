"""The component provider that serves RegulatedAiZone to programs in any Pulumi language.

The SDK's ComponentProvider (pulumi/provider/experimental/component.py) infers the schema from the
component's annotations and maps the engine's inputs to the args TypedDict. Two things it does not do
are added here, so that a program in another language fails as clearly as a stack file:
- it drops input properties the schema does not know (a misspelt `zone.keyUser` would silently be
  ignored): refused here, naming the property and the valid ones;
- an error raised while constructing the component reaches the engine with a Python stack trace:
  invalid inputs are returned instead as the provider protocol's property errors (InputPropertiesError),
  one per input with what is wrong and what is valid.
"""
from importlib.metadata import version
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError, InputPropertyError
from pulumi.provider.experimental.analyzer import ComponentDefinition, PropertyDefinition
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider import main
from pulumi.provider.server import ComponentInitError

from components.zone import RegulatedAiZone
from components.zone_inputs import ZoneInputError

PACKAGE = "regzone"  # the package name: type tokens are regzone:index:<Component>
COMPONENTS = [RegulatedAiZone]


class ZoneComponentProvider(ComponentProvider):
    """ComponentProvider that refuses unknown or unresolved inputs and reports invalid ones per property."""

    def __init__(self) -> None:
        super().__init__(COMPONENTS, PACKAGE, version=version("regulated-ai-zones"))

    def map_inputs(self, inputs: dict[str, Any], component_def: ComponentDefinition) -> dict[str, Any]:
        for schema_name, prop in component_def.inputs.items():
            if prop.plain and isinstance(inputs.get(schema_name), pulumi.Output):
                raise InputPropertyError(schema_name, "is another resource's output (or a secret); the zone's "
                                         "resources depend on it, so it must be a plain value known when the "
                                         "zone is constructed")
        return super().map_inputs(inputs, component_def)

    def map_input_properties(self, inputs: Any, properties: dict[str, PropertyDefinition],
                             mapping: dict[str, str], component_name: str, property_path: str) -> Any:
        unknown = sorted(set(inputs) - set(properties)) if isinstance(inputs, dict) else []
        if unknown:
            where = f"{property_path}.{unknown[0]}" if property_path else unknown[0]
            raise InputPropertyError(where, f"is not an input of {component_name}; valid here: "
                                     f"{', '.join(sorted(properties))}")
        return super().map_input_properties(inputs, properties, mapping, component_name, property_path)

    def construct(self, name: str, resource_type: str, inputs: Any,
                  options: pulumi.ResourceOptions | None = None) -> Any:
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as err:
            if isinstance(err.inner, ZoneInputError):
                raise InputPropertiesError(str(err.inner), [{"property_path": where, "reason": what}
                                                            for where, what in err.inner.problems]) from None
            raise


def serve(args: list[str]) -> None:
    """Serve the provider over gRPC as the CLI starts a plugin: print the port, then answer until killed."""
    main(ZoneComponentProvider(), args)
