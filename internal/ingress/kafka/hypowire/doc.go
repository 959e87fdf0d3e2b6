// Package hypowire is the wire format of the Kafka southbound of seed 000
// ("Kafka API", Tables 2 and 3): the payload types with the seed's exact JSON
// field names, the topic names, and a Validator that checks every payload
// against the embedded JSON Schemas (schemas/kafka) before it is decoded,
// reading incoming payloads tolerantly (tolerant.go: null is absent, an
// unknown member of a strict object is ignored and reported).
//
// Fields the seed does not spell out (VaultSecretResponseMessage,
// GroupPolicyMessage, FabricAuthCreds, the kubeconfig store CloudEvents) are
// defined here and in the schemas' descriptions, consistent with the REST
// bodies and the Vault path structure of the seed.
//
// The package only translates: it imports nothing of the project but the
// embedded schemas, and knows nothing of Vault, the bus or Sarama.
package hypowire
