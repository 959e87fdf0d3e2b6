// Package schemas holds the service's published contracts as embedded
// files: the OpenAPI document of the REST API now, the versioned JSON
// Schemas of the Kafka payloads and outcome events later. The files are
// the source of truth; code reads them, never generates them.
package schemas

import "embed"

// FS holds every contract file of this folder.
//
//go:embed *.json
var FS embed.FS

// Kafka holds the JSON Schemas of the Kafka payloads and the AsyncAPI
// document of the Kafka topics, under kafka/.
//
//go:embed kafka/*.json kafka/*.yaml
var Kafka embed.FS

// Events holds the versioned JSON Schemas of the outcome events, under
// events/: cloudevent.v1.json for the CloudEvents envelope, and one
// <type>.v1.json per event type constant of package events for its data as
// stored, with every string not under an events.ClearFields key an HMAC.
//
//go:embed events/*.json
var Events embed.FS

// OpenAPI is the OpenAPI 3.1 document of the REST API, served at
// GET /registry-api/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
