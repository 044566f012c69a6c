//! The OpenAPI 3.1 document, generated from [`API_ROUTES`] and the wire types' JSON Schemas
//! (draft 2020-12, which OpenAPI 3.1 uses), so that it cannot drift from the routes: the router
//! is built from the same table.

use schemars::SchemaGenerator;
use schemars::generate::{Contract, SchemaSettings};
use serde_json::{Map, Value, json};

use super::wire::ErrorOut;
use super::{API_ROUTES, ApiRoute, MAX_LIMIT, Reply, Takes};
use crate::web::error::CODES;

/// Statuses every guarded route may answer.
const COMMON: &[u16] = &[400, 401, 403, 404, 500, 503];

fn generator(contract: Contract) -> SchemaGenerator {
    SchemaGenerator::new(SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
        s.contract = contract;
    }))
}

/// The path parameters of an axum path (`{id}`), in order.
fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// Query parameters from the properties of the query type's inline schema.
fn query_params(r: &ApiRoute, g: &mut SchemaGenerator) -> Vec<Value> {
    let Some(make) = r.query else {
        return Vec::new();
    };
    let schema = make(g);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, s)| {
            let mut s = s.clone();
            let description = s
                .as_object_mut()
                .and_then(|o| o.remove("description"))
                .unwrap_or(Value::Null);
            // `Option<T>` is `T | null` in the schema; a query parameter is absent instead.
            if let Some(Value::Array(types)) = s.get("type").cloned() {
                let non_null: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
                if non_null.len() == 1 {
                    s["type"] = non_null[0].clone();
                }
            }
            let mut p = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": s,
            });
            if !description.is_null() {
                p["description"] = description;
            }
            p
        })
        .collect()
}

fn error_response(status: u16) -> Value {
    let codes: Vec<&str> = CODES
        .iter()
        .filter(|(_, s, _)| *s == status)
        .map(|(c, _, _)| *c)
        .collect();
    json!({
        "description": format!("Error; `error.code` is one of: {}", codes.join(", ")),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    })
}

fn operation(r: &ApiRoute, out: &mut SchemaGenerator, input: &mut SchemaGenerator) -> Value {
    let mut params: Vec<Value> = path_params(r.path)
        .into_iter()
        .map(|name| {
            json!({"name": name, "in": "path", "required": true,
                   "schema": {"type": "string", "minLength": 1}})
        })
        .collect();
    params.extend(query_params(r, input));
    let mut op = json!({
        "operationId": r.id,
        "summary": r.summary,
        "parameters": params,
        "responses": {},
    });
    match r.body {
        Takes::None => {}
        Takes::Json(make) => {
            op["requestBody"] = json!({"required": true,
                "content": {"application/json": {"schema": make(input)}}});
        }
        Takes::Bytes => {
            op["requestBody"] = json!({"required": true,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}});
        }
    }
    let responses = op["responses"].as_object_mut();
    let Some(responses) = responses else {
        return op;
    };
    match r.reply {
        Reply::Json(status, make) => {
            responses.insert(
                status.to_string(),
                json!({"description": "OK", "content": {"application/json": {"schema": make(out)}}}),
            );
        }
        Reply::Bytes => {
            responses.insert(
                "200".into(),
                json!({"description": "The file's bytes",
                       "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}),
            );
        }
        Reply::Empty => {
            responses.insert("204".into(), json!({"description": "Done"}));
        }
    }
    let mut statuses: Vec<u16> = if r.access.is_some() {
        COMMON.to_vec()
    } else {
        vec![500]
    };
    statuses.extend(r.errors);
    if matches!(r.body, Takes::Json(_) | Takes::Bytes) && !statuses.contains(&413) {
        statuses.push(413);
    }
    statuses.sort_unstable();
    statuses.dedup();
    for s in statuses {
        responses.insert(s.to_string(), error_response(s));
    }
    if r.access.is_none() {
        op["security"] = json!([]);
    }
    op
}

/// The whole document.
pub fn document() -> Value {
    let mut out = generator(Contract::Serialize);
    let mut input = generator(Contract::Deserialize);
    out.subschema_for::<ErrorOut>();
    let mut paths = Map::new();
    for r in API_ROUTES {
        let op = operation(r, &mut out, &mut input);
        let item = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        item[r.method.to_ascii_lowercase()] = op;
    }
    let mut schemas = out.take_definitions(true);
    schemas.extend(input.take_definitions(true));
    let codes: Vec<Value> = CODES
        .iter()
        .map(|(c, s, m)| json!({"code": c, "status": s, "meaning": m}))
        .collect();
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Khronika API",
            "version": "1",
            "description": format!(
                "Records, vocabularies, evidence, search, history, custody, sync status, members and grants of a Khronika vault, for scripts. Authenticate with a token (`Authorization: Bearer khr_…`) created with `khronika token create` or on the web application's Tokens page; its scope (compartments, read or write) and its member's role decide what it may do. Every list takes `limit` (1–{MAX_LIMIT}), `cursor` and `sort` and answers `items`, `total`, `next_cursor`. Every error is `{{\"error\": {{\"code\", \"message\", \"status\"}}}}`; the codes are listed in `x-error-codes`."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "bearerFormat": "khr_<id>_<secret>"}
            }
        },
        "x-error-codes": codes,
    })
}
