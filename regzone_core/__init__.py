"""What the project's preview policies, evidence checks and components must agree on, with no
Pulumi or AWS SDK dependency: the policy pack ships this package inside itself, so it imports
only the standard library."""
