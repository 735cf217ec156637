namespace Ferry.ClusterSim.Resources;

/// <summary>The built-in kinds the simulator serves without a CRD.</summary>
internal static class BuiltInResources
{
    private static ResourceType Make(string group, string version, string kind, string plural, bool namespaced,
        bool status = false, string[]? shortNames = null, string[]? categories = null, string[]? verbs = null) => new()
        {
            Verbs = verbs,
            Group = group,
            Kind = kind,
            Plural = plural,
            Singular = kind.ToLowerInvariant(),
            Namespaced = namespaced,
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
            Versions = [new ResourceVersion(version, null, null, status)],
        };

    public static IEnumerable<ResourceType> All()
    {
        yield return Make("", "v1", "Namespace", "namespaces", namespaced: false, status: true, shortNames: ["ns"]);
        yield return Make("", "v1", "Pod", "pods", namespaced: true, status: true, shortNames: ["po"], categories: ["all"]);
        yield return Make("", "v1", "Secret", "secrets", namespaced: true);
        yield return Make("", "v1", "ConfigMap", "configmaps", namespaced: true, shortNames: ["cm"]);
        yield return Make("", "v1", "Event", "events", namespaced: true, shortNames: ["ev"]);
        yield return Make("", "v1", "ServiceAccount", "serviceaccounts", namespaced: true, shortNames: ["sa"]);
        yield return Make("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", namespaced: true, status: true, shortNames: ["pvc"]);
        yield return Make("", "v1", "Service", "services", namespaced: true, status: true, shortNames: ["svc"], categories: ["all"]);
        yield return Make("apps", "v1", "Deployment", "deployments", namespaced: true, status: true, shortNames: ["deploy"], categories: ["all"]);
        yield return Make("apps", "v1", "ReplicaSet", "replicasets", namespaced: true, status: true, shortNames: ["rs"], categories: ["all"]);
        yield return Make("batch", "v1", "Job", "jobs", namespaced: true, status: true, categories: ["all"]);
        yield return Make("coordination.k8s.io", "v1", "Lease", "leases", namespaced: true);
        yield return Make("events.k8s.io", "v1", "Event", "events", namespaced: true, shortNames: ["ev"]);
        yield return Make("rbac.authorization.k8s.io", "v1", "Role", "roles", namespaced: true);
        yield return Make("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced: false);
        yield return Make("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", namespaced: true);
        yield return Make("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", namespaced: false);
        yield return Make("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", namespaced: false, verbs: ["create"]);
        yield return Make("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", namespaced: false, verbs: ["create"]);
        yield return Make("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", namespaced: false, verbs: ["create"]);
        yield return Make("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
            namespaced: false, status: true, shortNames: ["crd", "crds"], categories: ["api-extensions"]);
    }
}
