using Microsoft.AspNetCore.DataProtection;

namespace CraftFlow.Etsy;

/// <summary>
/// Encrypts what CraftFlow keeps of a seller's Etsy access (tokens, the PKCE verifier of an authorization in
/// flight) with ASP.NET Core Data Protection. The key ring lives in PostgreSQL, shared by the API and the Worker
/// under one application name; each kind of secret has its own purpose, so one cannot be passed off as another.
/// </summary>
public sealed class EtsySecretProtector(IDataProtectionProvider provider)
{
    public const string ApplicationName = "CraftFlow";

    private readonly IDataProtector _tokens = provider.CreateProtector("CraftFlow.Etsy.Tokens.v1");

    private readonly IDataProtector _verifiers = provider.CreateProtector("CraftFlow.Etsy.PkceVerifier.v1");

    public string ProtectToken(string token) => _tokens.Protect(token);

    /// <exception cref="System.Security.Cryptography.CryptographicException">Not encrypted with this key ring.</exception>
    public string UnprotectToken(string encrypted) => _tokens.Unprotect(encrypted);

    public string ProtectVerifier(string verifier) => _verifiers.Protect(verifier);

    public string UnprotectVerifier(string encrypted) => _verifiers.Unprotect(encrypted);
}
