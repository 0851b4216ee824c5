using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CraftFlow.Etsy;

/// <summary>
/// createDraftListing's fields (ICreateDraftListingPayload) in Etsy's names, and the one place their rules are
/// checked: the API validates with them before it queues anything, the job sends exactly what was validated.
/// Not sealed: the API's request adds which connection and image to publish.
/// </summary>
public partial record EtsyDraftListing
{
    public static readonly IReadOnlyList<string> WhoMadeValues = ["i_did", "someone_else", "collective"];

    public static readonly IReadOnlyList<string> WhenMadeValues =
    [
        "made_to_order", "2020_2026", "2010_2019", "2007_2009", "before_2007", "2000_2006", "1990s", "1980s", "1970s",
        "1960s", "1950s", "1940s", "1930s", "1920s", "1910s", "1900s", "1800s", "1700s", "before_1700",
    ];

    public static readonly IReadOnlyList<string> TypeValues = ["physical", "download", "both"];

    public const int MaxTitleLength = 140;

    public const int MaxStyles = 2;

    public const int MaxStyleLength = 45;

    public int? Quantity { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public decimal? Price { get; init; }

    public string? WhoMade { get; init; }

    public string? WhenMade { get; init; }

    public long? TaxonomyId { get; init; }

    /// <summary>Required when <see cref="Type"/> is physical, which is Etsy's default.</summary>
    public long? ShippingProfileId { get; init; }

    public long? ReturnPolicyId { get; init; }

    public IReadOnlyList<string>? Materials { get; init; }

    public long? ShopSectionId { get; init; }

    public int? ProcessingMin { get; init; }

    public int? ProcessingMax { get; init; }

    public long? ReadinessStateId { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public IReadOnlyList<string>? Styles { get; init; }

    public bool? IsSupply { get; init; }

    public bool? IsCustomizable { get; init; }

    public bool? ShouldAutoRenew { get; init; }

    public bool? IsTaxable { get; init; }

    /// <summary>physical, download or both; absent means physical.</summary>
    public string? Type { get; init; }

    /// <summary>The fields alone (a derived request's extra members dropped), for storing and sending.</summary>
    public EtsyDraftListing ToDraft() => new(this);

    public string ToJson() => JsonSerializer.Serialize(ToDraft(), EtsyJson.Options);

    public static EtsyDraftListing FromJson(string json)
        => JsonSerializer.Deserialize<EtsyDraftListing>(json, EtsyJson.Options) ?? throw new JsonException("Empty draft listing.");

    /// <summary>Field errors by Etsy's field name; empty when Etsy's contract is met.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Fail(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (Quantity is null)
        {
            Fail("quantity", "Required.");
        }
        else if (Quantity < 1)
        {
            Fail("quantity", "Must be a positive number.");
        }

        if (string.IsNullOrWhiteSpace(Title))
        {
            Fail("title", "Required.");
        }
        else
        {
            if (Title.Length > MaxTitleLength)
            {
                Fail("title", $"At most {MaxTitleLength} characters.");
            }

            if (!TitlePattern().IsMatch(Title))
            {
                Fail("title", "Only letters, numbers, punctuation, mathematical symbols, spaces, ™, © and ® are allowed.");
            }

            foreach (var once in "%:&+")
            {
                if (Title.Count(c => c == once) > 1)
                {
                    Fail("title", $"'{once}' may appear at most once.");
                }
            }
        }

        if (string.IsNullOrWhiteSpace(Description))
        {
            Fail("description", "Required.");
        }

        if (Price is null)
        {
            Fail("price", "Required.");
        }
        else if (Price <= 0)
        {
            Fail("price", "Must be a positive amount.");
        }
        else if (decimal.Round(Price.Value, 2) != Price.Value)
        {
            Fail("price", "At most two decimal places.");
        }

        RequireOneOf(Fail, "who_made", WhoMade, WhoMadeValues, required: true);
        RequireOneOf(Fail, "when_made", WhenMade, WhenMadeValues, required: true);
        RequireOneOf(Fail, "type", Type, TypeValues, required: false);

        if (TaxonomyId is null)
        {
            Fail("taxonomy_id", "Required.");
        }

        if ((Type ?? "physical") == "physical" && ShippingProfileId is null)
        {
            Fail("shipping_profile_id", "Required for a physical listing.");
        }

        RequirePositiveId(Fail, "taxonomy_id", TaxonomyId);
        RequirePositiveId(Fail, "shipping_profile_id", ShippingProfileId);
        RequirePositiveId(Fail, "return_policy_id", ReturnPolicyId);
        RequirePositiveId(Fail, "shop_section_id", ShopSectionId);
        RequirePositiveId(Fail, "readiness_state_id", ReadinessStateId);

        if (ProcessingMin < 0 || ProcessingMax < 0)
        {
            Fail(ProcessingMin < 0 ? "processing_min" : "processing_max", "Must not be negative.");
        }
        else if (ProcessingMin > ProcessingMax)
        {
            Fail("processing_min", "Must not exceed processing_max.");
        }

        RequireEach(Fail, "tags", Tags, TagPattern(), "letters, numbers, spaces, -, ', ™, © and ®");
        RequireEach(Fail, "materials", Materials, WordsPattern(), "letters, numbers and spaces");
        RequireEach(Fail, "styles", Styles, WordsPattern(), "letters, numbers and spaces");
        if (Styles is { Count: > MaxStyles })
        {
            Fail("styles", $"At most {MaxStyles} styles.");
        }

        if (Styles?.Any(s => s.Length > MaxStyleLength) == true)
        {
            Fail("styles", $"Each style is at most {MaxStyleLength} characters.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The form fields createDraftListing takes (application/x-www-form-urlencoded).</summary>
    public IEnumerable<KeyValuePair<string, string>> ToForm()
    {
        var fields = new List<KeyValuePair<string, string>>();
        void Add(string name, object? value)
        {
            var text = value switch
            {
                null => null,
                bool flag => flag ? "true" : "false",
                decimal amount => amount.ToString("0.00", CultureInfo.InvariantCulture),
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                // Etsy's contract: "a comma-separated list of tag strings"; none of the list fields may contain a comma.
                IReadOnlyList<string> list => list.Count == 0 ? null : string.Join(',', list),
                _ => value.ToString(),
            };
            if (text is not null)
            {
                fields.Add(new(name, text));
            }
        }

        Add("quantity", Quantity);
        Add("title", Title);
        Add("description", Description);
        Add("price", Price);
        Add("who_made", WhoMade);
        Add("when_made", WhenMade);
        Add("taxonomy_id", TaxonomyId);
        Add("shipping_profile_id", ShippingProfileId);
        Add("return_policy_id", ReturnPolicyId);
        Add("materials", Materials);
        Add("shop_section_id", ShopSectionId);
        Add("processing_min", ProcessingMin);
        Add("processing_max", ProcessingMax);
        Add("readiness_state_id", ReadinessStateId);
        Add("tags", Tags);
        Add("styles", Styles);
        Add("is_supply", IsSupply);
        Add("is_customizable", IsCustomizable);
        Add("should_auto_renew", ShouldAutoRenew);
        Add("is_taxable", IsTaxable);
        Add("type", Type);
        return fields;
    }

    private static void RequireOneOf(Action<string, string> fail, string field, string? value, IReadOnlyList<string> allowed, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                fail(field, "Required.");
            }
        }
        else if (!allowed.Contains(value))
        {
            fail(field, $"Must be one of: {string.Join(", ", allowed)}.");
        }
    }

    private static void RequirePositiveId(Action<string, string> fail, string field, long? value)
    {
        if (value < 1)
        {
            fail(field, "Must be a positive id.");
        }
    }

    private static void RequireEach(Action<string, string> fail, string field, IReadOnlyList<string>? values, Regex pattern, string allowed)
    {
        if (values is null)
        {
            return;
        }

        if (values.Any(v => string.IsNullOrWhiteSpace(v) || !pattern.IsMatch(v)))
        {
            fail(field, $"Each entry must be non-empty and contain only {allowed}.");
        }
    }

    // The character classes of Etsy's contract (ICreateDraftListingPayload's field descriptions).
    [GeneratedRegex(@"^[\p{L}\p{Nd}\p{P}\p{Sm}\p{Zs}™©®]+$")]
    private static partial Regex TitlePattern();

    [GeneratedRegex(@"^[\p{L}\p{Nd}\p{Zs}\-'™©®]+$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[\p{L}\p{Nd}\p{Zs}]+$")]
    private static partial Regex WordsPattern();
}
