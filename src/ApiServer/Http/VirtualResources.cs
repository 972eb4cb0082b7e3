using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Auth;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http;

/// <summary>
/// Create-only resources that are answered, never stored: access and token reviews. Until RBAC exists every
/// authenticated user may do everything, and the reviews say so.
/// </summary>
internal static class VirtualResources
{
    public static async Task CreateAsync(HttpContext context, ResourceInfo info, RequestInfo request, ApiServerOptions options, ServiceAccountTokens tokens)
    {
        var body = await Wire.ReadBodyAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Wire.WriteStatusAsync(context, ApiError.RequestEntityTooLarge(options.MaxRequestBodyBytes));
            return;
        }

        var user = UserInfo.Of(context) ?? new UserInfo("system:anonymous", ["system:unauthenticated"]);
        try
        {
            object? answer = info.Kind switch
            {
                "SelfSubjectAccessReview" => Allow(KubeJson.Deserialize<V1SelfSubjectAccessReview>(body)),
                "SubjectAccessReview" => Allow(KubeJson.Deserialize<V1SubjectAccessReview>(body)),
                "LocalSubjectAccessReview" => Allow(KubeJson.Deserialize<V1LocalSubjectAccessReview>(body)),
                "TokenReview" => Review(KubeJson.Deserialize<V1TokenReview>(body), tokens),
                "SelfSubjectRulesReview" => Rules(KubeJson.Deserialize<V1SelfSubjectRulesReview>(body)),
                "SelfSubjectReview" => new V1SelfSubjectReview
                {
                    ApiVersion = info.GroupVersion,
                    Kind = info.Kind,
                    Metadata = new V1ObjectMeta { CreationTimestamp = KubeJson.Now() },
                    Status = new V1SelfSubjectReviewStatus { UserInfo = new V1UserInfo { Username = user.Name, Groups = user.Groups.ToList(), Uid = user.Uid } },
                },
                _ => null,
            };
            if (answer is null)
            {
                await Wire.WriteStatusAsync(context, ApiError.MethodNotSupported(info.Group, info.Resource, "create"));
                return;
            }

            await Wire.WriteJsonAsync(context, 201, KubeJson.SerializeToUtf8Bytes(answer, answer.GetType()));
        }
        catch (System.Text.Json.JsonException ex)
        {
            await Wire.WriteStatusAsync(context, ApiError.BadRequest(ex.Message));
        }
    }

    /// <summary>Service account tokens only: the admin token and certificates are not bearer tokens to review.</summary>
    private static object? Review(V1TokenReview? review, ServiceAccountTokens tokens)
    {
        if (review is null)
        {
            return null;
        }

        var audiences = review.Spec?.Audiences is { Count: > 0 } a ? a.ToList() : null;
        var validated = string.IsNullOrEmpty(review.Spec?.Token) ? null : tokens.Validate(review.Spec.Token, audiences);
        review.Metadata ??= new V1ObjectMeta();
        review.Metadata.CreationTimestamp ??= KubeJson.Now();
        review.Status = validated is null
            ? new V1TokenReviewStatus { Authenticated = false, Error = "invalid bearer token, token lookup failed" }
            : new V1TokenReviewStatus
            {
                Authenticated = true,
                Audiences = validated.Audiences.ToList(),
                User = new V1UserInfo
                {
                    Username = validated.User.Name,
                    Uid = validated.User.Uid,
                    Groups = validated.User.Groups.ToList(),
                    Extra = validated.Extra.ToDictionary(kv => kv.Key, kv => (IList<string>)[kv.Value]),
                },
            };
        return review;
    }

    private static object? Allow(V1SelfSubjectAccessReview? review)
    {
        if (review is null)
        {
            return null;
        }

        review.Status = new V1SubjectAccessReviewStatus { Allowed = true, Reason = "no authorizer restricts authenticated users" };
        review.Metadata ??= new V1ObjectMeta();
        return review;
    }

    private static object? Allow(V1SubjectAccessReview? review)
    {
        if (review is null)
        {
            return null;
        }

        review.Status = new V1SubjectAccessReviewStatus { Allowed = true, Reason = "no authorizer restricts authenticated users" };
        review.Metadata ??= new V1ObjectMeta();
        return review;
    }

    private static object? Allow(V1LocalSubjectAccessReview? review)
    {
        if (review is null)
        {
            return null;
        }

        review.Status = new V1SubjectAccessReviewStatus { Allowed = true, Reason = "no authorizer restricts authenticated users" };
        review.Metadata ??= new V1ObjectMeta();
        return review;
    }

    private static object? Rules(V1SelfSubjectRulesReview? review)
    {
        if (review is null)
        {
            return null;
        }

        review.Metadata ??= new V1ObjectMeta();
        review.Status = new V1SubjectRulesReviewStatus
        {
            Incomplete = false,
            ResourceRules = [new V1ResourceRule { ApiGroups = ["*"], Resources = ["*"], Verbs = ["*"] }],
            NonResourceRules = [new V1NonResourceRule { NonResourceURLs = ["*"], Verbs = ["*"] }],
        };
        return review;
    }
}
