"""What every connector is built from: the cloud's settings, one subscription, and the two things
a caller may bring instead of the defaults — a credential and a rate limiter.

`ArmReader.connect`, `ComputeConnector.connect` and `AsmClient.connect` all take a `Connection`,
so the activities, the tests and the bench build any connector the same way, and the defaults
(the settings' credential, the process-wide limiter for the subscription's budget) are decided
here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from azure.core.credentials import TokenCredential

from connectors.cloud import AzureSettings
from connectors.credentials import token_credential
from connectors.ratelimit import RateLimiter, shared_limiter


@dataclass(frozen=True)
class Connection:
    """One subscription reached with `settings`; `credential` and `limiter` override the defaults."""

    settings: AzureSettings
    subscription_id: str
    credential: TokenCredential | None = None
    limiter: RateLimiter | None = None

    def token_credential(self) -> TokenCredential:
        """The given credential, else the one the settings name (static token or identity)."""
        return self.credential or token_credential(self.settings)

    def rate_limiter(self) -> RateLimiter:
        """The given limiter, else the process-wide one (sized by the settings on first use)."""
        return self.limiter or shared_limiter(self.settings.requests_per_second, self.settings.requests_burst)
