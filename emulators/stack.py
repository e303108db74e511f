"""The local stack: template.yaml deployed into moto, the Lookout for Equipment and the SiteWise emulators.

``LocalStack`` starts a ``ThreadedMotoServer``, a ``LookoutEmulator`` and a ``SiteWiseEmulator`` on
loopback ports, points the process's AWS SDK at them with ``AWS_ENDPOINT_URL`` /
``AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT`` / ``AWS_ENDPOINT_URL_IOTSITEWISE`` (and, for SiteWise,
``AWS_DISABLE_HOST_PREFIX_INJECTION``: botocore would call ``api.127.0.0.1``; AWS needs the prefix),
packages ``functions/``, transforms the SAM template, and creates the stack with moto's
CloudFormation. Each function's environment is then read back from the deployed function
configuration (moto resolved its ``Ref`` / ``GetAtt``), so what runs locally is the deployed wiring.

It plays the Lambda service too: ``invoke`` runs a function's handler in this process, with that
function's environment, its execution role's credentials and a Lambda context; ``drain`` polls an
SQS event source mapping as Lambda would (batch size, partial batch failures); ``put_object``
delivers the S3 notification the deployed bucket configuration asks for. moto's own Lambda
invocation (Docker) is never used: event source mappings are disabled after deployment and driven
from here instead, and moto's own delivery of S3 notifications to Lambda is switched off while a
stack runs.

Every invocation gets the deployed timeout in its Lambda context, and one that runs past it fails
the caller (``InvocationTimedOut``: Lambda would have stopped it mid-work). Time is the stack's
``clock``: real time, plus what a simulated fault says passed. ``simulated_waits`` spends the SDK's
retry waits on that clock instead of sleeping, and ``timing_out`` makes every attempt of an AWS
operation hang until its client's timeouts, so a test of a storm or an outage takes seconds and
still shows whether each function would have ended in time.

IAM is enforced: the stack is deployed as an administrator, then
moto checks every request's signature and its caller's policies (see ``emulators.iam``), and so
does the Lookout for Equipment emulator. Each function runs with credentials of its own deployed
role (STS AssumeRole, as Lambda obtains them), so a call its role does not allow fails as in AWS.
Tests, the CLI and ``client()`` act as an operator allowed everything.

Several accounts: a :class:`LocalCloud` is one moto server and one Lookout for Equipment emulator;
``cloud.deploy(parameters, account_id=...)`` deploys the template into an account of it (moto takes
the account from the credentials: the deployer assumes a role in that account, as an organisation's
administrator would). Each account has its own IAM, operator, ledger and emulator state; an event
one account's function sends to an event bus of another is delivered there (``emulators.events``).
DynamoDB transactions honour their ``ClientRequestToken`` as the service does, so a retried
transaction whose first attempt was applied succeeds (``emulators.dynamodb``).
``LocalStack(parameters)`` alone is a cloud with one stack in the default account.

One local cloud at a time per process: moto keeps its backends per process, and starting a cloud
resets them (tests give each module its own stack, and never open a second inside it).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
from moto.cloudformation.parsing import get_model_map
from moto.s3 import notifications as moto_s3_notifications
from moto.server import ThreadedMotoServer

from emulators import cfn, completion, dynamodb, events, iam
from emulators.lookout import LookoutEmulator
from emulators.lookout.emulator import LookoutAccount
from emulators.sitewise import SiteWiseEmulator

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"  # moto's default account
ARTIFACT_BUCKET = "model-steward-local-artifacts"

# The process environment while the stack is up: the deployment's credentials (until the
# operator's replace them) and no X-Ray daemon.
_SDK_ENV: dict[str, str | None] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "POWERTOOLS_TRACE_DISABLED": "true",
}


@dataclass(frozen=True)
class DeployedFunction:
    logical_id: str
    name: str
    arn: str
    handler: str
    environment: Mapping[str, str]
    timeout: int
    memory_mb: int
    role_arn: str


@dataclass(frozen=True)
class EventSourceMapping:
    function_logical_id: str
    queue_arn: str
    batch_size: int
    report_batch_item_failures: bool


class Clock:
    """The local Lambda service's clock: real (monotonic) time, plus the time simulated faults say
    passed (``advance``), so waiting out a retry storm needs no sleeping."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def advance(self, seconds: float) -> None:
        self.skipped += max(float(seconds), 0.0)


class InvocationTimedOut(AssertionError):
    """A handler ran past its deployed timeout: in AWS, Lambda would have stopped it mid-work."""


@dataclass(frozen=True)
class Invocation:
    logical_id: str
    seconds: float  # on the stack's clock: real time plus simulated waits
    timeout: int


@dataclass
class LocalLambdaContext:
    """The attributes and method of the Lambda context object that handlers and Powertools use."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_s: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""
    clock: Callable[[], float] = time.monotonic
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self.log_stream_name = self.log_stream_name or f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]local"
        self._deadline = self.clock() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self.clock()) * 1000))


@dataclass
class DrainResult:
    invocations: int = 0
    delivered: int = 0
    failed: int = 0


class LocalCloud:
    """One moto server and one Lookout for Equipment emulator, for any number of accounts.

    While deploying, IAM is not enforced (an administrator deploys); from the first deployment on,
    every request is authorised as AWS would: functions as their roles, each account's operator as
    an administrator of that account only.
    """

    def __init__(self, region: str = "eu-west-1") -> None:
        self.region = region
        self.moto: ThreadedMotoServer | None = None
        self.moto_url = ""
        self.lookout = LookoutEmulator(region=region, account_id=ACCOUNT_ID)
        self.sitewise = SiteWiseEmulator(region=region, account_id=ACCOUNT_ID)
        self.stacks: list[LocalStack] = []
        self._authorisation = iam.ResourceAuthorisation()
        self._events = events.CrossAccountEvents()
        self._transactions = dynamodb.IdempotentTransactions()
        self._saved_env: dict[str, str | None] = {}
        self._admins: dict[str, iam.Credentials] = {ACCOUNT_ID: iam.Credentials("testing", "testing")}
        self._moto_s3_to_lambda: Any = None
        self.clock = Clock()  # every stack of the cloud runs on it

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        # One access-log line per request and one warning per resource type moto's CloudFormation
        # skips are noise here: not_emulated lists what matters.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("moto").setLevel(logging.ERROR)
        logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its metrics nag at every transform
        # moto tries to run a notified function in Docker when an object lands in a notifying bucket
        # (the SiteWise emulator's files do); the local stack delivers notifications itself.
        logging.getLogger("moto.awslambda").setLevel(logging.CRITICAL)
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        # moto keeps its backends per process: start from empty, and never let moto run Lambda code.
        _post_json(f"{self.moto_url}/moto-api/reset", {})
        _post_json(f"{self.moto_url}/moto-api/config", {"lambda": {"use_docker": False}})
        # put_object delivers S3 notifications to the functions; moto's own delivery would try Docker.
        self._moto_s3_to_lambda = moto_s3_notifications._invoke_awslambda
        moto_s3_notifications._invoke_awslambda = _no_lambda
        iam.set_enforcement(self.moto_url, on=False)  # deploy first, as an administrator would
        self.lookout.start()
        self.sitewise.start()
        self._events.install()
        self._transactions.install()
        self.set_env(
            {
                **_SDK_ENV,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                "AWS_ENDPOINT_URL": self.moto_url,
                "AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT": self.lookout.endpoint_url,
                "AWS_ENDPOINT_URL_IOTSITEWISE": self.sitewise.endpoint_url,
                "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",  # local only: AWS needs the api. prefix
            }
        )

    def stop(self) -> None:
        if self._moto_s3_to_lambda is not None:
            moto_s3_notifications._invoke_awslambda = self._moto_s3_to_lambda
            self._moto_s3_to_lambda = None
        if self.moto is not None:
            iam.set_enforcement(self.moto_url, on=False)
        self._authorisation.uninstall()
        self._events.uninstall()
        self._transactions.uninstall()
        self.lookout.authoriser = None
        self.sitewise.authoriser = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        self.lookout.stop()
        self.sitewise.stop()
        if self.moto is not None:
            self.moto.stop()
            self.moto = None

    def set_env(self, values: Mapping[str, str | None]) -> None:
        """Set (``None``: unset) process variables; ``stop`` restores what they were."""
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def admin(self, account_id: str) -> iam.Credentials:
        """An administrator of the account: the default account's own keys; another account's, a
        role assumed into it from the default account (IAM is not enforced while deploying)."""
        if account_id not in self._admins:
            default = self._admins[ACCOUNT_ID]
            sts = boto3.session.Session(
                aws_access_key_id=default.access_key_id, aws_secret_access_key=default.secret_access_key
            ).client("sts")
            role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
            self._admins[account_id] = iam.assume_role(sts, role, "local-deployer")
        return self._admins[account_id]

    @contextlib.contextmanager
    def as_admin(self, account_id: str) -> Iterator[boto3.session.Session]:
        """An administrator's session in the account, IAM not enforced meanwhile (to set up what a
        scenario needs: a role, another account's user)."""
        iam.set_enforcement(self.moto_url, on=False)
        admin = self.admin(account_id)
        try:
            yield boto3.session.Session(
                aws_access_key_id=admin.access_key_id,
                aws_secret_access_key=admin.secret_access_key,
                aws_session_token=admin.session_token,
            )
        finally:
            iam.set_enforcement(self.moto_url, on=bool(self.stacks))

    def deploy(
        self,
        parameters: Mapping[str, str] | None = None,
        *,
        account_id: str = ACCOUNT_ID,
        stack_name: str = "model-steward-local",
        template: Path = TEMPLATE,
    ) -> LocalStack:
        """Deploy the template into an account of this cloud, then enforce IAM again."""
        stack = LocalStack(
            parameters, template=template, stack_name=stack_name, region=self.region, account_id=account_id
        )
        return self.add(stack)

    def add(self, stack: LocalStack) -> LocalStack:
        """Deploy a stack (of this cloud's region) into its account."""
        stack.cloud = self
        iam.set_enforcement(self.moto_url, on=False)
        stack.deploy()
        stack.enforce_iam()
        self.stacks.append(stack)
        self._authorisation.install()
        self.lookout.authoriser = iam.LookoutAuthoriser()
        self.sitewise.authoriser = iam.LookoutAuthoriser()  # the same SigV4 and IAM check
        iam.set_enforcement(self.moto_url, on=True)
        return stack


class LocalStack:
    """One deployment of the template in one account of a :class:`LocalCloud` (its own cloud when
    used alone: ``with LocalStack(parameters) as stack``)."""

    def __init__(
        self,
        parameters: Mapping[str, str] | None = None,
        *,
        template: Path = TEMPLATE,
        stack_name: str = "model-steward-local",
        region: str = "eu-west-1",
        account_id: str = ACCOUNT_ID,
    ) -> None:
        self.template_path = template
        self.parameter_overrides = dict(parameters or {})
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.cloud: LocalCloud | None = None
        self._own_cloud = False
        self.parameters: dict[str, str] = {}
        self.resources: dict[str, str] = {}  # logical id -> physical id
        self.resource_types: dict[str, str] = {}  # logical id -> type, as deployed
        # logical id -> type that neither moto's CloudFormation nor emulators.completion creates
        self.not_emulated: dict[str, str] = {}
        self.outputs: dict[str, str] = {}
        self.mappings: dict[str, Any] = {}
        self.functions: dict[str, DeployedFunction] = {}
        self.event_source_mappings: list[EventSourceMapping] = []
        # logical id -> credentials of the function's execution role
        self.role_credentials: dict[str, iam.Credentials] = {}
        self.operator: iam.Credentials | None = None  # who tests and the CLI act as
        self.invocations: list[Invocation] = []  # every invocation of this stack's functions

    @property
    def clock(self) -> Clock:
        """The cloud's clock: real time plus simulated waits, the same for every stack in it."""
        return self._cloud().clock

    @property
    def lookout(self) -> LookoutEmulator | LookoutAccount:
        """The Lookout for Equipment emulator, as this stack's account (the scenario API)."""
        return self._cloud().lookout.account(self.account_id)

    @property
    def sitewise(self) -> SiteWiseEmulator:
        """The AWS IoT SiteWise emulator (one account: the default one)."""
        return self._cloud().sitewise

    @property
    def moto_url(self) -> str:
        return self._cloud().moto_url

    def _cloud(self) -> LocalCloud:
        if self.cloud is None:
            self.cloud = LocalCloud(self.region)
            self._own_cloud = True
        return self.cloud

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start a cloud of its own, deploy into it, and act as this account's operator."""
        cloud = self._cloud()
        cloud.start()
        cloud.add(self)

    def enforce_iam(self) -> None:
        """Credentials of each function's role (as Lambda obtains them) and the account's operator."""
        iam.store_inline_policies_as_text(self.account_id)
        sts, iam_client = self.client("sts"), self.client("iam")
        for logical_id, function in self.functions.items():
            role = iam_client.get_role(RoleName=function.role_arn.rsplit("/", 1)[1])["Role"]
            if not iam.trusts_lambda(role):
                raise cfn.TemplateError(
                    f"{logical_id}: its role {role['RoleName']} cannot be assumed by Lambda"
                )
            self.role_credentials[logical_id] = iam.assume_role(sts, function.role_arn, function.name)
        self.operator = iam.create_operator(self.client("iam"))
        self._cloud().set_env(self.operator.environment())
        _cold_start()  # no client may keep the deployment's credentials

    def stop(self) -> None:
        if self._own_cloud and self.cloud is not None:
            self.cloud.stop()

    @contextlib.contextmanager
    def as_operator(self) -> Iterator[None]:
        """The process acts as this account's operator (what `steward` and boto3 defaults use)."""
        assert self.operator is not None, "the stack is not deployed"
        values = self.operator.environment()
        saved = {name: os.environ.get(name) for name in values}
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _cold_start()
        try:
            yield
        finally:
            for name, previous in saved.items():
                if previous is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = previous
            _cold_start()

    def client(self, service: str) -> Any:
        """A boto3 client for the local stack, as the account's operator even inside
        ``function_environment`` (its administrator while deploying)."""
        who = self.operator or self._cloud().admin(self.account_id)
        return boto3.session.Session(
            aws_access_key_id=who.access_key_id,
            aws_secret_access_key=who.secret_access_key,
            aws_session_token=who.session_token,
        ).client(service)  # type: ignore[call-overload]

    # ------------------------------------------------------------------ deployment
    def deploy(self) -> None:
        source = cfn.load_template(self.template_path)
        self.parameters = cfn.parameter_values(source, self.parameter_overrides)
        s3 = self.client("s3")
        bucket = f"{ARTIFACT_BUCKET}-{self.account_id}"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
        keys = {}
        for uri in sorted(cfn.code_uris(source)):
            body = cfn.package_code(self.template_path.parent / uri)
            keys[uri] = f"{uri.strip('/').replace('/', '-') or 'code'}-{uuid.uuid4().hex[:8]}.zip"
            s3.put_object(Bucket=bucket, Key=keys[uri], Body=body)
        transformed = cfn.transform(cfn.with_code_location(source, bucket, keys), self.parameters)
        resolved = cfn.resolve_conditions(transformed, self.parameters)
        self.mappings = resolved.get("Mappings", {})
        supported = get_model_map()
        self.resource_types = {name: body["Type"] for name, body in resolved["Resources"].items()}
        unsupported = {n for n, t in self.resource_types.items() if t not in supported}
        for_moto, later_outputs, waiting = cfn.split_for_moto(resolved, unsupported)
        self.not_emulated = {name: self.resource_types[name] for name in waiting}

        cloudformation = self.client("cloudformation")
        cloudformation.create_stack(
            StackName=self.stack_name,
            TemplateBody=json.dumps(for_moto),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        stack = cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"][0]
        if stack["StackStatus"] != "CREATE_COMPLETE":
            raise cfn.TemplateError(
                f"stack {self.stack_name}: {stack['StackStatus']} {stack.get('StackStatusReason')}"
            )
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        summaries = cloudformation.list_stack_resources(StackName=self.stack_name)["StackResourceSummaries"]
        self.resources = {
            s["LogicalResourceId"]: s.get("PhysicalResourceId", "")
            for s in summaries
            if s.get("LogicalResourceId")
        }
        self._collect_functions()
        self.not_emulated = completion.complete(self, resolved["Resources"])
        resolver = completion.Resolver(self)
        self.outputs.update(
            {name: str(resolver.resolve(body["Value"])) for name, body in later_outputs.items()}
        )
        self._take_over_event_source_mappings()

    def _collect_functions(self) -> None:
        lambda_client = self.client("lambda")
        for logical_id, kind in self.resource_types.items():
            if kind != "AWS::Lambda::Function":
                continue
            config = lambda_client.get_function_configuration(FunctionName=self.resources[logical_id])
            variables = config.get("Environment", {}).get("Variables", {})
            self.functions[logical_id] = DeployedFunction(
                logical_id=logical_id,
                name=config["FunctionName"],
                arn=config["FunctionArn"],
                handler=config["Handler"],
                # Lambda's environment is strings; moto passes a Number parameter through as an int.
                environment={name: str(value) for name, value in variables.items()},
                timeout=config.get("Timeout", 3),
                memory_mb=config.get("MemorySize", 128),
                role_arn=config["Role"],
            )

    def _take_over_event_source_mappings(self) -> None:
        lambda_client = self.client("lambda")
        by_arn = {f.arn: f.logical_id for f in self.functions.values()}
        for mapping in lambda_client.list_event_source_mappings()["EventSourceMappings"]:
            lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
            self.event_source_mappings.append(
                EventSourceMapping(
                    function_logical_id=by_arn[mapping["FunctionArn"]],
                    queue_arn=mapping["EventSourceArn"],
                    batch_size=mapping.get("BatchSize", 10),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in mapping.get("FunctionResponseTypes", []),
                )
            )

    # ------------------------------------------------------------------ the Lambda service
    @contextlib.contextmanager
    def function_environment(self, logical_id: str) -> Iterator[DeployedFunction]:
        """The process environment as the deployed function sees it (plus local SDK settings), with
        its execution role's credentials, as Lambda sets them."""
        function = self.functions[logical_id]
        values: dict[str, str | None] = {
            **function.environment,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        }
        values.update(self.role_credentials[logical_id].environment())
        saved = {name: os.environ.get(name) for name in values}
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _cold_start()
        try:
            yield function
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            _cold_start()

    def invoke(self, logical_id: str, event: Mapping[str, Any]) -> Any:
        """Run the function's handler in this process, as a cold start, with a Lambda context.

        InvocationTimedOut when the handler ends (returns or raises) after its deployed timeout."""
        with self.function_environment(logical_id) as function:
            module_name, attribute = function.handler.rsplit(".", 1)
            handler = getattr(importlib.import_module(module_name), attribute)
            context = LocalLambdaContext(
                function_name=function.name,
                memory_limit_in_mb=function.memory_mb,
                invoked_function_arn=function.arn,
                timeout_s=function.timeout,
                clock=self.clock.now,
            )
            began = self.clock.now()
            try:
                return handler(dict(event), context)
            finally:
                seconds = self.clock.now() - began
                self.invocations.append(Invocation(logical_id, seconds, function.timeout))
                if seconds > function.timeout:
                    raise InvocationTimedOut(
                        f"{logical_id} ran {seconds:.1f} s, past its {function.timeout} s timeout: "
                        "Lambda would have stopped it mid-work"
                    )

    @contextlib.contextmanager
    def simulated_waits(self, *, longest: bool = True) -> Iterator[None]:
        """botocore's retry waits are spent on ``clock`` instead of sleeping; ``longest``: every
        wait is the longest its jitter allows (``min(2 ** (n - 1), 20)`` s after attempt n)."""
        import botocore.endpoint
        from botocore.retries import standard

        endpoint_module: Any = botocore.endpoint
        backoff_class: Any = standard.ExponentialBackoff
        real_time = endpoint_module.time
        clock = self.clock

        class _Time:
            def __getattr__(self, name: str) -> Any:
                return getattr(real_time, name)

            @staticmethod
            def sleep(seconds: float) -> None:
                clock.advance(seconds)

        delay_amount = backoff_class.delay_amount

        def longest_delay(backoff: Any, context: Any) -> float:
            backoff._random = lambda: 1.0
            return float(delay_amount(backoff, context))

        endpoint_module.time = _Time()
        if longest:
            backoff_class.delay_amount = longest_delay
        try:
            yield
        finally:
            endpoint_module.time = real_time
            backoff_class.delay_amount = delay_amount

    @contextlib.contextmanager
    def timing_out(self, service: str, operation: str) -> Iterator[list[str]]:
        """Every attempt of ``operation`` on ``service`` (e.g. ``"sns"``, ``"Publish"``) hangs until
        its client's connect and read timeouts (spent on ``clock``), then fails as a read timeout:
        the service is down. Yields the list of attempts made (their URLs)."""
        import botocore.endpoint
        from botocore.exceptions import ReadTimeoutError

        from model_steward.adapters import aws

        endpoint_class: Any = botocore.endpoint.Endpoint
        send = endpoint_class._send
        attempts: list[str] = []
        scope = f"/{service}/aws4_request".encode()
        action = f"Action={operation}&".encode()

        def hanging(endpoint: Any, request: Any) -> Any:
            authorization = request.headers.get("Authorization", b"")
            authorization = authorization if isinstance(authorization, bytes) else authorization.encode()
            body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
            target = str(request.headers.get("X-Amz-Target", ""))
            if scope in authorization and (action in body + b"&" or target.endswith(f".{operation}")):
                attempts.append(request.url)
                self.clock.advance(aws.limits(service).attempt_seconds)
                raise ReadTimeoutError(endpoint_url=request.url)
            return send(endpoint, request)

        endpoint_class._send = hanging
        try:
            yield attempts
        finally:
            endpoint_class._send = send

    def drain(
        self, function_logical_id: str, *, max_invocations: int = 1000, retry_failed_now: bool = False
    ) -> DrainResult:
        """Deliver the function's SQS queue as Lambda's event source mapping would, until it is empty.

        Messages reported in ``batchItemFailures`` (or a whole batch whose invocation raised) stay on
        the queue and come back after their visibility timeout, as in AWS; this returns when a
        receive finds nothing visible. ``retry_failed_now`` makes them visible again at once (as if
        the timeout had passed), so the queue's redrive policy (maxReceiveCount, then the
        dead-letter queue) plays out within one call.
        """
        (mapping,) = [m for m in self.event_source_mappings if m.function_logical_id == function_logical_id]
        sqs = self.client("sqs")
        queue_url = sqs.get_queue_url(QueueName=mapping.queue_arn.rsplit(":", 1)[1])["QueueUrl"]
        result = DrainResult()
        while result.invocations < max_invocations:
            received = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(mapping.batch_size, 10),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                return result
            event = {"Records": [self._sqs_record(m, mapping.queue_arn) for m in received]}
            result.invocations += 1
            try:
                response = self.invoke(function_logical_id, event)
                failed_ids = {
                    item["itemIdentifier"]
                    for item in (response or {}).get("batchItemFailures", [])
                    if mapping.report_batch_item_failures
                }
            except InvocationTimedOut:
                raise  # a test must see it: in AWS the batch would have been cut off mid-work
            except Exception:  # an invocation error fails the whole batch, as in Lambda
                failed_ids = {m["MessageId"] for m in received}
            for message in received:
                if message["MessageId"] in failed_ids:
                    result.failed += 1
                    if retry_failed_now:
                        sqs.change_message_visibility(
                            QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                        )
                else:
                    result.delivered += 1
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return result

    def _sqs_record(self, message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value["DataType"],
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": self.region,
        }

    def put_object(self, bucket: str, key: str, body: bytes) -> list[Any]:
        """Upload an object, then deliver the S3 notifications the bucket's configuration asks for.

        Returns the results of the invoked handlers (one per matching Lambda configuration).
        """
        self.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
        return self.deliver(bucket, key)

    def deliver(self, bucket: str, key: str) -> list[Any]:
        """Deliver the S3 notifications the bucket's configuration asks for, for an object already
        written (by the SiteWise emulator, say); returns the invoked handlers' results."""
        s3 = self.client("s3")
        head = s3.head_object(Bucket=bucket, Key=key)
        notification = s3.get_bucket_notification_configuration(Bucket=bucket)
        by_arn = {f.arn: f.logical_id for f in self.functions.values()}
        results = []
        for config in notification.get("LambdaFunctionConfigurations", []):
            rules = config.get("Filter", {}).get("Key", {}).get("FilterRules", [])
            if not all(_key_matches(key, rule) for rule in rules):
                continue
            event = s3_object_created_event(
                bucket, key, head["ContentLength"], head["ETag"].strip('"'), self.region
            )
            results.append(self.invoke(by_arn[config["LambdaFunctionArn"]], event))
        return results


def _key_matches(key: str, rule: Mapping[str, str]) -> bool:
    name, value = rule["Name"].lower(), rule["Value"]
    return key.startswith(value) if name == "prefix" else key.endswith(value)


def s3_object_created_event(bucket: str, key: str, size: int, etag: str, region: str) -> dict[str, Any]:
    """An S3 ObjectCreated:Put notification as S3 sends it (the key URL-encoded, form style)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                    "x-amz-id-2": "local",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "local",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag,
                        "sequencer": "0",
                    },
                },
            }
        ]
    }


def _no_lambda(*args: object, **kwargs: object) -> None:
    """moto's S3-to-Lambda delivery, switched off (``LocalStack.put_object`` delivers instead)."""


def _post_json(url: str, body: Mapping[str, Any]) -> None:
    request = urllib.request.Request(  # noqa: S310 - a loopback URL of our own moto server
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def _cold_start() -> None:
    """Forget per-process state so the next invocation starts as a cold start would.

    Settings and AWS clients are cached per process; Powertools' Metrics reads its namespace and
    service from the environment when the module is imported, which in Lambda happens after the
    function's environment is set, so they are read again here.
    """
    from aws_lambda_powertools.utilities.parameters import base as powertools_parameters

    from model_steward.adapters import parameters
    from model_steward.adapters.aws import reset_clients
    from model_steward.models.settings import load_settings
    from model_steward.observability import metrics

    load_settings.cache_clear()
    reset_clients()
    parameters.clear_cache()
    powertools_parameters.DEFAULT_PROVIDERS.clear()  # type: ignore[attr-defined]  # each provider holds a client (credentials)
    metrics.namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
    metrics.service = os.environ.get("POWERTOOLS_SERVICE_NAME")
