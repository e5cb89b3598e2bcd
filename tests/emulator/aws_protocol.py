"""Wire formats of AWS's query (XML) and JSON 1.1 protocols."""

import json
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    headers: list = field(default_factory=list)
    reset_connection: bool = False
    # Fault shaping of the body on the wire: spread over this many
    # milliseconds, or cut short after Content-Length promised all of it.
    slow_body_ms: int = 0
    truncate_body: bool = False


class AwsError(Exception):
    """An error AWS would return: code, message and HTTP status."""

    def __init__(self, code, message, status=400, sender=True):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender


def new_request_id():
    return str(uuid.uuid4())


def _xml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "".join(f"<{k}>{_xml_value(v)}</{k}>" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return "".join(f"<member>{_xml_value(v)}</member>" for v in value)
    return escape(str(value))


def query_response(operation, namespace, result, request_id):
    """Return the XML success envelope of a query-protocol operation."""
    body = (
        f'<{operation}Response xmlns="{namespace}">\n'
        f"  <{operation}Result>{_xml_value(result)}</{operation}Result>\n"
        f"  <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\n"
        f"</{operation}Response>\n"
    )
    return Response(200, body.encode(), "text/xml", [("x-amzn-RequestId", request_id)])


def query_error(error, namespace, request_id):
    body = (
        f'<ErrorResponse xmlns="{namespace}">\n'
        f"  <Error>\n"
        f"    <Type>{'Sender' if error.sender else 'Receiver'}</Type>\n"
        f"    <Code>{escape(error.code)}</Code>\n"
        f"    <Message>{escape(error.message)}</Message>\n"
        f"  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n"
        f"</ErrorResponse>\n"
    )
    return Response(error.status, body.encode(), "text/xml", [("x-amzn-RequestId", request_id)])


def json_response(payload, request_id):
    return Response(200, json.dumps(payload).encode(), "application/x-amz-json-1.1", [("x-amzn-RequestId", request_id)])


def json_error(error, request_id):
    payload = {"__type": error.code}
    if error.message is not None:
        payload["Message"] = error.message
    return Response(
        error.status,
        json.dumps(payload).encode(),
        "application/x-amz-json-1.1",
        [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", error.code)],
    )
