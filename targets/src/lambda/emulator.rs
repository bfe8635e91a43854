//! A Lambda Runtime-API emulator: the endpoints AWS documents for custom runtimes
//! (`/2018-06-01/runtime/invocation/next`, `…/{id}/response`, `…/{id}/error`,
//! `/2018-06-01/runtime/init/error`), fronted by an HTTP listener that turns each request into
//! a function-URL event (payload format 2.0) and the function's answer back into a response,
//! as a Lambda function URL does. Both listen on 127.0.0.1 and stop when it is dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use crate::platform::serve_http;

const PREFIX: &str = "/2018-06-01/runtime";
/// The function's ARN as the emulator reports it.
const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:portable";

pub(crate) struct Emulator {
    runtime: Option<tokio::runtime::Runtime>,
    /// Where the custom runtime finds the Runtime API (`AWS_LAMBDA_RUNTIME_API`).
    pub api: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

struct Invocation {
    id: String,
    event: Vec<u8>,
    deadline_ms: u64,
    reply: oneshot::Sender<Outcome>,
}

enum Outcome {
    Response(Bytes),
    Error(Bytes),
}

struct Shared {
    queue: mpsc::UnboundedSender<Invocation>,
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>,
    pending: std::sync::Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    counter: AtomicU64,
    /// The function's timeout: an invocation not answered by then is a 504.
    timeout: Duration,
}

/// Starts the emulator: the function URL on `127.0.0.1:front`, the Runtime API on a free port.
pub(crate) fn start(front: u16, timeout: Duration) -> anyhow::Result<Emulator> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("lambda-emulator")
        .enable_all()
        .build()
        .context("starting the emulator's runtime")?;
    let (queue, next) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        queue,
        next: tokio::sync::Mutex::new(next),
        pending: std::sync::Mutex::default(),
        counter: AtomicU64::new(0),
        timeout,
    });
    let (front, api) = runtime.block_on(async {
        let front = TcpListener::bind(("127.0.0.1", front)).await?;
        let api = TcpListener::bind(("127.0.0.1", 0)).await?;
        anyhow::Ok((front, api))
    })?;
    let api_address = api.local_addr()?.to_string();
    let function_url = shared.clone();
    runtime.spawn(serve_http(front, move |request| {
        let shared = function_url.clone();
        async move { invoke(&shared, request).await }
    }));
    runtime.spawn(serve_http(api, move |request| {
        let shared = shared.clone();
        async move { runtime_api_call(&shared, request).await }
    }));
    Ok(Emulator {
        runtime: Some(runtime),
        api: api_address,
    })
}

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(body.into()))
        .unwrap_or_default()
}

fn json_error(status: u16, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    let body = json!({"errorType": error_type, "errorMessage": message}).to_string();
    respond(status, "application/json", body)
}

fn millis_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The Runtime API, as the custom runtime calls it.
async fn runtime_api_call(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return json_error(404, "NotFound", &format!("no Runtime API endpoint {path}"));
    };
    match (method, rest) {
        (Method::GET, "/invocation/next") => {
            let invocation = shared.next.lock().await.recv().await;
            let Some(invocation) = invocation else {
                return json_error(500, "ServiceUnavailable", "the emulator is stopping");
            };
            shared
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(invocation.id.clone(), invocation.reply);
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .header("lambda-runtime-aws-request-id", &invocation.id)
                .header(
                    "lambda-runtime-deadline-ms",
                    invocation.deadline_ms.to_string(),
                )
                .header("lambda-runtime-invoked-function-arn", ARN)
                .header(
                    "lambda-runtime-trace-id",
                    format!("Root=1-00000000-{:024x};Sampled=0", invocation.deadline_ms),
                )
                .body(Full::new(Bytes::from(invocation.event)))
                .unwrap_or_default()
        }
        (Method::POST, "/init/error") => {
            let body = request.into_body().collect().await.map(|b| b.to_bytes());
            eprintln!(
                "lambda: the runtime reported an init error: {}",
                String::from_utf8_lossy(&body.unwrap_or_default())
            );
            respond(202, "application/json", r#"{"status":"OK"}"#)
        }
        (Method::POST, rest) => {
            let Some((id, kind)) = rest
                .strip_prefix("/invocation/")
                .and_then(|r| r.rsplit_once('/'))
            else {
                return json_error(404, "NotFound", &format!("no Runtime API endpoint {path}"));
            };
            let reply = shared
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(id);
            let Some(reply) = reply else {
                return json_error(400, "InvalidRequestID", &format!("no invocation {id}"));
            };
            let body = match request.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(e) => return json_error(400, "InvalidRequest", &e.to_string()),
            };
            let outcome = match kind {
                "response" => Outcome::Response(body),
                "error" => Outcome::Error(body),
                _ => {
                    return json_error(404, "NotFound", &format!("no Runtime API endpoint {path}"));
                }
            };
            let _ = reply.send(outcome);
            respond(202, "application/json", r#"{"status":"OK"}"#)
        }
        _ => json_error(
            405,
            "MethodNotAllowed",
            &format!("{path} takes POST or GET"),
        ),
    }
}

/// The function URL: one request, one invocation.
async fn invoke(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => return json_error(400, "InvalidRequest", &e.to_string()),
    };
    let n = shared.counter.fetch_add(1, Ordering::Relaxed);
    let id = format!("00000000-0000-4000-8000-{n:012x}");
    let now = millis_now();
    let event = event(&parts, &body, &id, now);
    let (reply, answer) = oneshot::channel();
    let invocation = Invocation {
        id,
        event: event.to_string().into_bytes(),
        deadline_ms: now + shared.timeout.as_millis() as u64,
        reply,
    };
    if shared.queue.send(invocation).is_err() {
        return json_error(503, "ServiceUnavailable", "the emulator is stopping");
    }
    match tokio::time::timeout(shared.timeout, answer).await {
        Ok(Ok(Outcome::Response(payload))) => function_response(&payload),
        Ok(Ok(Outcome::Error(payload))) => respond(502, "application/json", payload),
        Ok(Err(_)) => json_error(502, "ServiceException", "the invocation was dropped"),
        Err(_) => json_error(
            504,
            "TimeoutError",
            &format!("no answer within {} s", shared.timeout.as_secs()),
        ),
    }
}

/// A function-URL event (payload format 2.0) for the request.
fn event(parts: &http::request::Parts, body: &[u8], id: &str, now_ms: u64) -> Value {
    use ct_codecs::{Base64, Encoder};
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(value.split(';').map(|c| Value::from(c.trim())));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), value.into());
            }
        }
    }
    let mut query = Map::new();
    let raw_query = parts.uri.query().unwrap_or("");
    for (key, value) in form_urlencoded::parse(raw_query.as_bytes()) {
        match query.get_mut(&*key) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                query.insert(key.into_owned(), value.into_owned().into());
            }
        }
    }
    let host = headers
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or("127.0.0.1")
        .to_owned();
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "portable",
            "domainName": host,
            "domainPrefix": "portable",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": parts.headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": id,
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": now_ms,
        },
        "isBase64Encoded": !body.is_empty(),
    });
    if !cookies.is_empty() {
        event["cookies"] = cookies.into();
    }
    if !query.is_empty() {
        event["queryStringParameters"] = query.into();
    }
    if !body.is_empty() {
        event["body"] = Base64::encode_to_string(body).unwrap_or_default().into();
    }
    event
}

/// The function's answer as a function URL returns it: a `{"statusCode", "headers", "body",
/// "isBase64Encoded", "cookies"}` object, or any other JSON as a 200 `application/json` body.
fn function_response(payload: &[u8]) -> Response<Full<Bytes>> {
    use ct_codecs::{Base64, Decoder};
    let value: Value = match serde_json::from_slice(payload) {
        Ok(value) => value,
        Err(_) => return json_error(502, "InvalidResponse", "the function's answer is not JSON"),
    };
    let Some(status) = value.get("statusCode").and_then(Value::as_u64) else {
        return respond(200, "application/json", payload.to_vec());
    };
    let body = value["body"].as_str().unwrap_or("");
    let body = if value["isBase64Encoded"] == Value::Bool(true) {
        match Base64::decode_to_vec(body, None) {
            Ok(bytes) => bytes,
            Err(_) => return json_error(502, "InvalidResponse", "the body is not base64"),
        }
    } else {
        body.as_bytes().to_vec()
    };
    let mut response = Response::builder().status(status as u16);
    if let Some(headers) = value["headers"].as_object() {
        for (name, value) in headers {
            if let Some(value) = value.as_str() {
                response = response.header(name, value);
            }
        }
    }
    for cookie in value["cookies"].as_array().into_iter().flatten() {
        if let Some(cookie) = cookie.as_str() {
            response = response.header("set-cookie", cookie);
        }
    }
    response
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| json_error(502, "InvalidResponse", "unusable status or headers"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{Value, json};

    use crate::platform::{free_port, send};

    /// A custom runtime's side of the Runtime API, by hand: take the next invocation, answer
    /// it with `answer(event)` at `/response` (or `/error` when it says so).
    fn runtime_once(
        api: String,
        answer: impl FnOnce(&Value) -> (&'static str, Value) + Send + 'static,
    ) {
        std::thread::spawn(move || {
            let base = format!("http://{api}/2018-06-01/runtime/invocation");
            let agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent();
            let mut next = agent.get(format!("{base}/next")).call().unwrap();
            let id = next.headers()["lambda-runtime-aws-request-id"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(next.headers().contains_key("lambda-runtime-deadline-ms"));
            let event: Value =
                serde_json::from_slice(&next.body_mut().read_to_vec().unwrap()).unwrap();
            let (kind, body) = answer(&event);
            let posted = agent
                .post(format!("{base}/{id}/{kind}"))
                .send(body.to_string())
                .unwrap();
            assert_eq!(posted.status(), 202);
            // The same invocation cannot be answered twice.
            let again = agent
                .post(format!("{base}/{id}/response"))
                .send("{}")
                .unwrap();
            assert_eq!(again.status(), 400);
        });
    }

    fn request(uri: &str, body: &[u8]) -> service_http::Request {
        http::Request::post(uri)
            .header("x-tenant", "t")
            .body(body.to_vec())
            .unwrap()
    }

    #[test]
    fn a_request_becomes_a_function_url_event_and_the_answer_a_response() {
        let port = free_port().unwrap();
        let emulator = super::start(port, Duration::from_secs(10)).unwrap();
        runtime_once(emulator.api.clone(), |event| {
            assert_eq!(event["version"], "2.0");
            assert_eq!(event["rawPath"], "/v1/thumbnail");
            assert_eq!(event["rawQueryString"], "w=1&h=2");
            assert_eq!(event["queryStringParameters"], json!({"w": "1", "h": "2"}));
            assert_eq!(event["requestContext"]["http"]["method"], "POST");
            assert_eq!(event["headers"]["x-tenant"], "t");
            assert_eq!(event["isBase64Encoded"], true);
            assert_eq!(event["body"], "AAH/");
            let answer = json!({"statusCode": 415, "headers": {"content-type": "image/png"},
                                "body": "AAH/", "isBase64Encoded": true});
            ("response", answer)
        });
        let response = send(
            port,
            request("/v1/thumbnail?w=1&h=2", &[0, 1, 255]),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(response.status(), 415);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.body(), &[0, 1, 255]);
    }

    #[test]
    fn a_function_error_is_a_502_and_silence_a_504() {
        let port = free_port().unwrap();
        let emulator = super::start(port, Duration::from_secs(1)).unwrap();
        runtime_once(emulator.api.clone(), |_| {
            (
                "error",
                json!({"errorType": "Trap", "errorMessage": "unreachable"}),
            )
        });
        let response = send(port, request("/", b""), Duration::from_secs(10)).unwrap();
        assert_eq!(response.status(), 502);
        assert!(String::from_utf8_lossy(response.body()).contains("unreachable"));
        // Nobody takes the next invocation: the function URL gives up at the timeout.
        let response = send(port, request("/", b""), Duration::from_secs(10)).unwrap();
        assert_eq!(response.status(), 504);
    }
}
