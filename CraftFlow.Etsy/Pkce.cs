using System.Security.Cryptography;
using System.Text;

namespace CraftFlow.Etsy;

/// <summary>OAuth 2.0 PKCE with S256 (RFC 7636), and the random state parameter.</summary>
public static class Pkce
{
    public const string Method = "S256";

    /// <summary>32 random bytes, base64url: a 43-character verifier (RFC 7636 allows 43–128).</summary>
    public static string CreateVerifier() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string CreateState() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>BASE64URL(SHA256(ASCII(verifier))).</summary>
    public static string Challenge(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>What the OAuth state table stores in place of the state itself.</summary>
    public static string HashState(string state) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(state)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
