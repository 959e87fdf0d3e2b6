package hypowire

import "encoding/json"

// SalvageRequest reads what an ERROR reply needs from a credential request
// that failed DecodeRequest (or whose caller was refused): the serviceId to
// answer, "" when there is none, and the echo: type and request part when
// both are recognisable; for a type the registry does not know, that type
// with whichever request part is an object (none, one or both); nil
// otherwise. It reads the payload loosely, without its schema: call it
// only for a record that is being refused.
func SalvageRequest(payload []byte) (serviceID string, echo *ResponseData) {
	var loose struct {
		Type                string          `json:"type"`
		ServiceOrderRequest json.RawMessage `json:"serviceOrderRequest"`
		ServiceOperation    json.RawMessage `json:"serviceOperationRequest"`
	}
	if json.Unmarshal(payload, &loose) != nil {
		return "", nil
	}
	var order struct {
		ServiceOrder struct {
			ServiceID any `json:"serviceId"`
		} `json:"serviceOrder"`
	}
	var operation struct {
		ServiceID any `json:"serviceId"`
	}
	var id any
	if json.Unmarshal(loose.ServiceOrderRequest, &order) == nil && order.ServiceOrder.ServiceID != nil {
		id = order.ServiceOrder.ServiceID
	} else if json.Unmarshal(loose.ServiceOperation, &operation) == nil {
		id = operation.ServiceID
	}
	sid, _ := id.(string)
	isObject := func(raw json.RawMessage) bool {
		var m map[string]any
		return json.Unmarshal(raw, &m) == nil && m != nil
	}
	switch loose.Type {
	case TypeParsing:
		if isObject(loose.ServiceOrderRequest) {
			return sid, &ResponseData{Type: loose.Type, ServiceOrderRequest: loose.ServiceOrderRequest}
		}
	case TypeDeployment, TypeActivation, TypeTermination:
		if isObject(loose.ServiceOperation) {
			return sid, &ResponseData{Type: loose.Type, ServiceOperationRequest: loose.ServiceOperation}
		}
	case "":
	default:
		echo := &ResponseData{Type: loose.Type}
		if isObject(loose.ServiceOrderRequest) {
			echo.ServiceOrderRequest = loose.ServiceOrderRequest
		}
		if isObject(loose.ServiceOperation) {
			echo.ServiceOperationRequest = loose.ServiceOperation
		}
		return sid, echo
	}
	return sid, nil
}
