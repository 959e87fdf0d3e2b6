package hypo

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/security/authz"
)

// credentialRequest translates get-package-registry-incoming-channel:
// parsing → ResolveRepoCredentials, deployment / activation / termination →
// ResolveDeploymentCredentials, answered on the credential response topic.
func (s *Southbound) credentialRequest(ctx context.Context, msg *message.Message) (kafka.Request, error) {
	fail := func(reason string) error {
		// Read loosely only now: a request that decodes is decoded once.
		id, echo := hypowire.SalvageRequest(msg.Payload)
		if !addressable(id) {
			return errors.New(reason + " (and the record names no serviceId to answer)")
		}
		reply := hypowire.KafkaResponsePayload{ID: id, Status: hypowire.StatusError, Message: reason, Data: echo}
		out, err := s.credentialReply(reply)
		if err != nil {
			return err
		}
		return &kafka.Rejection{Reason: reason, Reply: out}
	}
	caller, err := s.caller(ctx, msg, authz.Read, s.cfg.Topics.CredentialRequest)
	if err != nil {
		return kafka.Request{}, fail(err.Error())
	}
	req, err := s.wire.DecodeRequest(msg.Payload)
	if err != nil {
		return kafka.Request{}, fail(err.Error())
	}
	auth := handlers.Auth{Caller: caller}
	var cmd any
	switch r := req.(type) {
	case *hypowire.ParsingRequest:
		cmd = handlers.ResolveRepoCredentials{
			Auth: auth, RepositoryURL: r.URL,
			ServiceID: r.ServiceID(), SchedulerNamespace: r.SchedulerNamespace,
		}
	case *hypowire.KubeConfigRequest:
		cmd = handlers.ResolveDeploymentCredentials{
			Auth: auth, ServiceID: r.ServiceID(),
			KubernetesServiceID: r.KubernetesServiceID, SecretName: r.SecretName,
		}
	default:
		return kafka.Request{}, fail("unsupported request type")
	}
	return kafka.Request{
		Command:  cmd,
		Envelope: bus.Envelope{Tenant: caller.Tenant, CorrelationID: correlationOf(req)},
		Reply: func(r bus.Reply, err error) ([]kafka.Outgoing, error) {
			return s.credentialReply(credentialResponse(req, r, err))
		},
	}, nil
}

// credentialResponse renders the bus's answer to req as the seed's reply.
func credentialResponse(req hypowire.Request, r bus.Reply, err error) hypowire.KafkaResponsePayload {
	if err != nil {
		return hypowire.Failure(req, "", "registry unavailable, try again: "+bus.PublicMessage(err))
	}
	if r.Error != nil {
		return hypowire.Failure(req, "", r.Error.Message)
	}
	var found hypowire.ResponseData
	switch req.(type) {
	case *hypowire.ParsingRequest:
		var c handlers.RepoCredentials
		if json.Unmarshal(r.Data, &c) != nil {
			return hypowire.Failure(req, "", "internal error: unreadable reply")
		}
		found.RepoCredentials = &hypowire.RepoCredentials{Username: c.Username, Password: c.Password}
	case *hypowire.KubeConfigRequest:
		var d handlers.DeploymentCredentials
		if json.Unmarshal(r.Data, &d) != nil {
			return hypowire.Failure(req, "", "internal error: unreadable reply")
		}
		found.KubeConfigAsBase64 = d.KubeConfigAsBase64
		found.SchedulerNamespace = d.SchedulerNamespace
		if p := d.ImagePullSecret; p != nil {
			found.ImagePullSecret = &hypowire.ImagePullSecret{SecretName: p.SecretName, Username: p.Username, Password: p.Password, URL: p.URL}
		}
	}
	return hypowire.Success(req, found)
}

func (s *Southbound) credentialReply(p hypowire.KafkaResponsePayload) ([]kafka.Outgoing, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	msg := message.NewMessage(watermill.NewUUID(), body)
	msg.Metadata.Set("content-type", "application/json")
	return []kafka.Outgoing{{Topic: s.cfg.Topics.CredentialResponse, Key: p.ID, Msg: msg}}, nil
}

// correlationOf is the Package Manager's process instance id, which ties the
// command's events to its workflow.
func correlationOf(req hypowire.Request) string {
	switch r := req.(type) {
	case *hypowire.ParsingRequest:
		return r.ServiceOrderRequest.KogitoProcInstanceID
	case *hypowire.KubeConfigRequest:
		return r.ServiceOperationRequest.KogitoProcInstanceID
	}
	return ""
}
