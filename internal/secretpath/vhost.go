package secretpath

// VirtualHost is the scope of the virtual hosts' private material (seed 004:
// the SelfSignedSSL keystore, its password and alias), stored at
// virtual-host/{tenant}/{virtual host name}, tenant being the tenant of the
// caller that created the host.
// Being in Scopes puts it in every tenant policy TenantPolicyHCL writes:
// with Vault, tenants provisioned before it need their policy re-applied.
const VirtualHost Scope = "virtual-host"
