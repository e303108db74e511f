"""IAM in the local stack: every call is authorised as AWS would authorise the deployed roles.

moto can check each request's SigV4 signature and its caller's identity policies (server mode:
``POST /moto-api/reset-auth``, the ``INITIAL_NO_AUTH_ACTION_COUNT`` setting). For most services it
checks them against the resource ``*`` only, so any policy that names its resources (as least
privilege does) would refuse everything. :class:`ResourceAuthorisation` gives moto, in process, the
resource ARN and the IAM action AWS checks for each request of the services the functions call:

* DynamoDB: the table (``table/T/index/I`` for a query on an index); a transaction is authorised
  per item as ``PutItem`` / ``UpdateItem`` / ``DeleteItem`` / ``ConditionCheckItem`` / ``GetItem``
  on that item's table, as AWS does (there is no ``dynamodb:TransactWriteItems`` action).
* SNS: the topic; ``PublishBatch`` is ``sns:Publish``. Publishing to a topic encrypted with a KMS
  key also needs ``kms:GenerateDataKey`` and ``kms:Decrypt`` on that key, with the
  ``kms:ViaService`` the call has in AWS; without them SNS answers ``KMSAccessDenied``.
* SSM Parameter Store: the parameter; Secrets Manager: the secret (its full ARN).
* SQS: the queue (moto's own); a batch call is its single action (``SendMessageBatch`` is
  ``sqs:SendMessage``).
* EventBridge PutEvents: each entry is ``events:PutEvents`` on its event bus (the default bus of
  the caller's account when it names none), with the bus's resource policy. A bus of another
  account needs both the caller's policies and the bus policy to allow it, as AWS evaluates a
  cross-account request; other EventBridge calls keep moto's default.
* S3 is moto's own (bucket and object ARNs); other services keep moto's default.

:class:`LookoutAuthoriser` does the same for the Lookout for Equipment emulator: it identifies the
caller from the request's SigV4 credentials (moto's IAM users and assumed roles), checks the
signature and evaluates the caller's policies with moto's evaluation.

Topic and queue policies are evaluated too (``emulators.permissions.evaluate``): an explicit deny
refuses the call, and a call the caller's policies do not allow passes only if the resource policy
allows it. They are evaluated as for a request over TLS (``aws:SecureTransport`` true), as the SDK
makes them in AWS, with ``aws:PrincipalArn`` the caller's role or user. Bucket and key policies are
not evaluated here: see ``emulators.permissions`` for the static checks of key policies.

Denials carry each service's own error shape, so product code sees what it would see in AWS.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.iam.access_control import IAMPolicy, IAMRequest, PermissionResult
from werkzeug.exceptions import HTTPException

from emulators.common.auth import Identity, SignedRequest
from emulators.lookout.protocol import ServiceError

OPERATOR_USER = "local-stack-operator"
_OPERATOR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "OperatorAndTests", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}


# ------------------------------------------------------------------------------------ principals
@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def environment(self) -> dict[str, str | None]:
        """The variables the AWS SDKs read (as Lambda sets them from the execution role)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def operator_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:user/{OPERATOR_USER}"


def create_operator(iam: Any) -> Credentials:
    """An IAM user allowed everything: what tests, the CLI and the deployer act as."""
    iam.create_user(UserName=OPERATOR_USER)
    iam.put_user_policy(
        UserName=OPERATOR_USER, PolicyName="everything", PolicyDocument=json.dumps(_OPERATOR_POLICY)
    )
    key = iam.create_access_key(UserName=OPERATOR_USER)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def create_import_role(iam: Any, name: str = "LookoutImport") -> str:
    """A role Lookout for Equipment may assume (what ImportModelVersion is passed); its ARN."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lookoutequipment.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return str(role["Role"]["Arn"])


def store_inline_policies_as_text(account_id: str) -> None:
    """moto's CloudFormation stores a role's inline policies as objects where its IAM API stores
    text, and its policy evaluation reads only text: store them as text (in process)."""
    from moto.iam.models import iam_backends

    for role in iam_backends[account_id]["aws"].roles.values():
        for name, document in list(role.policies.items()):
            if not isinstance(document, str):
                role.policies[name] = json.dumps(document)


def trusts_lambda(role: Mapping[str, Any]) -> bool:
    """Whether a role (as IAM GetRole describes it) lets the Lambda service assume it."""
    from emulators.iam_policy import Caller, Decision, evaluate

    trust = role["AssumeRolePolicyDocument"]
    document = json.loads(trust) if isinstance(trust, str) else trust
    caller = Caller(service="lambda.amazonaws.com")
    return evaluate([document], "sts:AssumeRole", role["Arn"], caller=caller) == Decision.ALLOW


def assume_role(sts: Any, role_arn: str, session_name: str) -> Credentials:
    """Temporary credentials of a role, as the Lambda service obtains them for a function."""
    found = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    return Credentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])


def set_enforcement(moto_url: str, *, on: bool) -> None:
    """Switch moto's authentication and authorisation on (every request) or off."""
    request = urllib.request.Request(  # noqa: S310 - a loopback URL of our own moto server
        f"{moto_url}/moto-api/reset-auth",
        data=(b"0" if on else b"inf"),
        headers={"Content-Type": "text/plain"},  # not a form: moto reads the raw body
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


# ------------------------------------------------------------------------------------ evaluation
@dataclass(frozen=True)
class Check:
    """One authorisation AWS makes for a request: an IAM action on a resource, in a context, and
    the resource's own policy when it has one (topic, queue, event bus). ``cross_account``: the
    resource is another account's, so its policy must allow the request too."""

    action: str
    resource: str
    context: Mapping[str, str] | None = None
    resource_policy: Mapping[str, Any] | None = None
    cross_account: bool = False


def allowed(policies: Sequence[Any], check: Check) -> bool:
    """moto's identity-policy evaluation: an explicit deny wins, else some statement must allow."""
    permitted = False
    for policy in policies:
        result = IAMPolicy(policy).is_action_permitted(
            check.action, check.resource, incoming_condition_values=dict(check.context or {})
        )
        if result == PermissionResult.DENIED:
            return False
        permitted = permitted or result == PermissionResult.PERMITTED
    return permitted


NOT_ALLOWED = "because no identity-based policy allows the {action} action"
DENIED_BY_RESOURCE = "with an explicit deny in a resource-based policy"
NOT_ALLOWED_BY_RESOURCE = "because no resource-based policy allows the {action} action"


def denial_message(caller_arn: str, check: Check, reason: str = NOT_ALLOWED) -> str:
    return (
        f"User: {caller_arn} is not authorized to perform: {check.action} on resource: {check.resource} "
        + reason.format(action=check.action)
    )


class _Signed(IAMRequest):
    """moto's view of a signed request (caller, signature), for an action named by the caller."""

    def caller_arn(self) -> str:
        return str(self._access_key.arn)

    def principal_arn(self) -> str:
        """``aws:PrincipalArn``: the role of an assumed-role session, else the user."""
        role = getattr(self._access_key, "_owner_role_name", None)
        return f"arn:aws:iam::{self.account_id}:role/{role}" if role else self.caller_arn()

    def refusal(self, policies: Sequence[Any], check: Check) -> str | None:
        """Why the check fails (None when it passes): identity policies, then the resource policy
        (same account: either may allow; another account's resource: both must; an explicit deny
        wins)."""
        by_identity = allowed(policies, check)
        if check.resource_policy is None:
            if check.cross_account:
                return NOT_ALLOWED_BY_RESOURCE if by_identity else NOT_ALLOWED
            return None if by_identity else NOT_ALLOWED
        from emulators.iam_policy import Caller, Decision, evaluate

        context = {
            "aws:SecureTransport": "true",
            "aws:PrincipalArn": self.principal_arn(),
            "aws:PrincipalAccount": self.account_id,
            "aws:PrincipalIsAWSService": "false",
            **(check.context or {}),
        }
        caller = Caller(arn=self.principal_arn(), account=self.account_id)
        decision = evaluate([check.resource_policy], check.action, check.resource, context, caller=caller)
        if decision == Decision.DENY:
            return DENIED_BY_RESOURCE
        if check.cross_account:
            if not by_identity:
                return NOT_ALLOWED
            return None if decision == Decision.ALLOW else NOT_ALLOWED_BY_RESOURCE
        return None if by_identity or decision == Decision.ALLOW else NOT_ALLOWED

    def policies(self) -> list[Any]:
        return list(self._access_key.collect_policies())


def _signed(response: Any) -> _Signed:
    path = response.raw_path
    if "?" in response.uri:
        path += "?" + response.uri.split("?", 1)[1]
    return _Signed(
        account_id=response.current_account,
        method=response.method,
        path=path,
        # What was signed: the raw body, or the form moto parsed out of it (its "data" of a GET
        # is no body at all)
        data=response.data if response.method == "POST" else {},
        body=response.raw_body or b"",
        headers=response.headers,
        action=response._get_action(),
    )


# ------------------------------------------------------------------------------------ moto hooks
Rule = Callable[[Any], list[Check]]
Denial = Callable[[str, Check, str], HTTPException]


def _arn(response: Any, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{response.region}:{response.current_account}:{resource}"


_DYNAMODB_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _dynamodb(response: Any) -> list[Check]:
    operation = response._get_action()
    body: Mapping[str, Any] = response.body if isinstance(response.body, dict) else {}

    def table(name: str) -> str:
        return _arn(response, "dynamodb", f"table/{name}")

    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [
            Check(f"dynamodb:{_DYNAMODB_TRANSACT[kind]}", table(item[kind]["TableName"]))
            for item in body.get("TransactItems", [])
            for kind in item
        ]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Check(f"dynamodb:{operation}", table(name)) for name in body.get("RequestItems", {})]
    name = body.get("TableName")
    if not name:
        return [Check(f"dynamodb:{operation}", "*")]
    index = body.get("IndexName")
    return [Check(f"dynamodb:{operation}", table(name) + (f"/index/{index}" if index else ""))]


def _sns(response: Any) -> list[Check]:
    operation = response._get_action()
    action = "sns:Publish" if operation == "PublishBatch" else f"sns:{operation}"
    topic = response._get_param("TopicArn") or response._get_param("TargetArn") or "*"
    checks = [Check(action, topic, resource_policy=_topic_policy(response, topic))]
    if action == "sns:Publish" and topic != "*":
        key = _topic_key(response, topic)
        if key:
            via = {"kms:ViaService": f"sns.{response.region}.amazonaws.com"}
            checks += [Check("kms:GenerateDataKey", key, via), Check("kms:Decrypt", key, via)]
    return checks


def _topic_policy(response: Any, topic_arn: str) -> dict[str, Any] | None:
    from moto.sns.models import sns_backends

    topic = sns_backends[response.current_account][response.region].topics.get(topic_arn)
    return json.loads(topic.policy) if topic is not None else None


def _topic_key(response: Any, topic_arn: str) -> str:
    """The ARN of the KMS key that encrypts a topic ("" when it is not encrypted)."""
    from moto.kms.models import kms_backends
    from moto.sns.models import sns_backends

    topic = sns_backends[response.current_account][response.region].topics.get(topic_arn)
    key_id = getattr(topic, "kms_master_key_id", "") or ""
    if not key_id or key_id.startswith("arn:"):
        return key_id
    if key_id.startswith("alias/"):
        key_id = kms_backends[response.current_account][response.region].get_key_id_from_alias(key_id)
    return _arn(response, "kms", f"key/{key_id}")


def _ssm(response: Any) -> list[Check]:
    operation = response._get_action()
    names = response._get_param("Names") or [response._get_param("Name") or response._get_param("Path")]
    return [
        Check(
            f"ssm:{operation}",
            name if name.startswith("arn:") else _arn(response, "ssm", f"parameter/{name.lstrip('/')}"),
        )
        if name
        else Check(f"ssm:{operation}", "*")
        for name in names
    ]


def _secretsmanager(response: Any) -> list[Check]:
    from moto.secretsmanager.models import secretsmanager_backends

    operation = response._get_action()
    secret_id = response._get_param("SecretId")
    if not secret_id:
        return [Check(f"secretsmanager:{operation}", "*")]
    secret = secretsmanager_backends[response.current_account][response.region].secrets.get(secret_id)
    arn = secret.arn if secret is not None else secret_id
    return [Check(f"secretsmanager:{operation}", arn)]


def _events(response: Any) -> list[Check]:
    from moto.events.models import events_backends

    operation = response._get_action()
    if operation != "PutEvents":
        return [Check(f"events:{operation}", "*")]
    checks = []
    for entry in response._get_param("Entries") or []:
        bus = entry.get("EventBusName") or "default"
        arn = bus if bus.startswith("arn:") else _arn(response, "events", f"event-bus/{bus}")
        account, region, name = arn.split(":")[4], arn.split(":")[3], arn.split("/", 1)[-1]
        found = events_backends[account][region].event_buses.get(name) if account.isdigit() else None
        policy = found.policy if found is not None else None
        checks.append(
            Check(
                "events:PutEvents",
                arn,
                {
                    "events:source": str(entry.get("Source", "")),
                    "events:detail-type": str(entry.get("DetailType", "")),
                },
                resource_policy=json.loads(policy) if policy else None,
                cross_account=account != response.current_account,
            )
        )
    return checks


_SQS_BATCH = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def _sqs(response: Any) -> list[Check]:
    from moto.sqs.models import sqs_backends

    operation = response._get_action()
    queue_arn = response._determine_resource()
    queue = next(
        (
            q
            for q in sqs_backends[response.current_account][response.region].queues.values()
            if q.queue_arn == queue_arn
        ),
        None,
    )
    policy = json.loads(queue.policy) if queue is not None and queue.policy else None
    return [Check(f"sqs:{_SQS_BATCH.get(operation, operation)}", queue_arn, resource_policy=policy)]


def _json_denial(code: str, status: int = 400) -> Denial:
    def denial(caller_arn: str, check: Check, reason: str) -> HTTPException:
        error = JsonRESTError(code, denial_message(caller_arn, check, reason))
        error.code = status
        return error

    return denial


class _QueryError(HTTPException):
    """An error in the query protocol's XML shape (SNS), as ``call_action`` renders HTTP errors."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__()
        self.code = status
        self.description = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            "</Error></ErrorResponse>"
        )


def _sns_denial(caller_arn: str, check: Check, reason: str) -> HTTPException:
    if check.action.startswith("kms:"):
        return _QueryError("KMSAccessDenied", denial_message(caller_arn, check, reason), 400)
    return _QueryError("AuthorizationError", denial_message(caller_arn, check, reason), 403)


def _sqs_denial(caller_arn: str, check: Check, reason: str) -> HTTPException:
    from moto.core.exceptions import AccessDeniedError

    return AccessDeniedError(user_arn=caller_arn, action=check.action)


def _response_classes() -> dict[type, tuple[Rule, Denial]]:
    from moto.dynamodb.responses import DynamoHandler
    from moto.events.responses import EventsHandler
    from moto.secretsmanager.responses import SecretsManagerResponse
    from moto.sns.responses import SNSResponse
    from moto.sqs.responses import SQSResponse
    from moto.ssm.responses import SimpleSystemManagerResponse

    return {
        DynamoHandler: (_dynamodb, _json_denial("com.amazon.coral.service#AccessDeniedException")),
        SNSResponse: (_sns, _sns_denial),
        SimpleSystemManagerResponse: (_ssm, _json_denial("AccessDeniedException")),
        SecretsManagerResponse: (_secretsmanager, _json_denial("AccessDeniedException")),
        SQSResponse: (_sqs, _sqs_denial),
        EventsHandler: (_events, _json_denial("AccessDeniedException")),
    }


class ResourceAuthorisation:
    """Installs, for the life of a local stack, the authorisation described above.

    The services the functions call are authorised by their rules, after the request's signature
    is verified. Any other service (only the operator calls them: Lambda, EventBridge Scheduler,
    CloudWatch, CloudFormation...) keeps moto's own action and resource, and its signature is not
    verified: moto rebuilds some REST requests differently from how botocore signed them (a
    trailing ``/`` dropped, headers taken for the body), which would refuse valid calls.
    """

    _METHOD = "_authenticate_and_authorize_normal_action"

    def __init__(self) -> None:
        self._original: Any = None

    def install(self) -> None:
        if self._original is not None:
            return
        rules = _response_classes()
        self._original = ActionAuthenticatorMixin.__dict__[self._METHOD]

        def authorise(response: Any, resource: str = "*") -> None:
            if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
                ActionAuthenticatorMixin.request_count += 1
                return
            request = _signed(response)
            found = rules.get(type(response))
            if found is None:
                request.check_action_permitted(resource)
                return
            rule, denial = found
            request.check_signature()
            policies = request.policies()
            for check in rule(response):
                reason = request.refusal(policies, check)
                if reason is not None:
                    raise denial(request.caller_arn(), check, reason)

        setattr(ActionAuthenticatorMixin, self._METHOD, authorise)

    def uninstall(self) -> None:
        if self._original is not None:
            setattr(ActionAuthenticatorMixin, self._METHOD, self._original)
            self._original = None


# ------------------------------------------------------------------------------------ Lookout
@dataclass(frozen=True)
class _SignedIdentity(Identity):
    """An identity with the verified request it came from (whose policies authorise it)."""

    signed: _Signed | None = field(default=None, compare=False, repr=False)


class LookoutAuthoriser:
    """Authorises Lookout for Equipment emulator requests against moto's IAM (same process).

    :meth:`identify` finds the caller's account from the request's access key (an IAM user's, or an
    assumed role's: a role in another account acts in that account, as in AWS) and verifies the
    SigV4 signature; :meth:`authorise` evaluates the caller's policies with moto's evaluation;
    :meth:`pass_role` checks ``iam:PassRole`` (to ``lookoutequipment.amazonaws.com``) and that the
    role exists. Refusals are the service's errors: ``UnrecognizedClientException`` (an access key
    moto does not know), ``InvalidSignatureException``, ``AccessDeniedException`` (HTTP 400, as the
    service's API reference lists it), ``ValidationException`` for a role that does not exist.
    """

    def identify(self, request: SignedRequest) -> Identity:
        from moto.iam.models import get_account_id_from

        if "Authorization" not in request.headers:
            raise ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token")
        credential = str(request.headers["Authorization"]).split("Credential=", 1)[-1].split("/", 1)[0]
        account_id = get_account_id_from(credential)
        try:
            signed = _Signed(
                account_id=account_id,
                method=request.method,
                path=request.path,
                data={},
                body=request.body,
                headers=request.headers,
                action="Identify",
            )
        except HTTPException as exc:
            raise ServiceError(
                "UnrecognizedClientException", "The security token included in the request is invalid."
            ) from exc
        try:
            signed.check_signature()
        except HTTPException as exc:
            raise ServiceError(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.",
            ) from exc
        return _SignedIdentity(account_id, signed.caller_arn(), signed.principal_arn(), signed=signed)

    @staticmethod
    def _policies(identity: Identity) -> list[Any]:
        signed = identity.signed if isinstance(identity, _SignedIdentity) else None
        return signed.policies() if signed is not None else []

    def authorise(self, identity: Identity, action: str, resources: Sequence[str]) -> None:
        policies = self._policies(identity)
        for resource in resources:
            check = Check(action, resource)
            if not allowed(policies, check):
                raise ServiceError("AccessDeniedException", denial_message(identity.arn, check))

    def pass_role(self, identity: Identity, role_arn: str) -> None:
        from moto.iam.models import iam_backends

        check = Check("iam:PassRole", role_arn, {"iam:PassedToService": "lookoutequipment.amazonaws.com"})
        if not allowed(self._policies(identity), check):
            raise ServiceError("AccessDeniedException", denial_message(identity.arn, check))
        role_account = role_arn.split(":")[4]
        roles = iam_backends[role_account]["aws"].roles.values() if role_account.isdigit() else []
        if not any(role.arn == role_arn for role in roles):
            raise ServiceError(
                "ValidationException",
                f"The role {role_arn} does not exist or Amazon Lookout for Equipment cannot assume it.",
            )
