package registrytoken

// P256RS exposes the DER → r||s conversion to the black-box tests.
var P256RS = p256RS

// AccessData exposes the event data's form of a token's access.
var AccessData = accessData
