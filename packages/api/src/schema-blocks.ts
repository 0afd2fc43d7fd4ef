// The building blocks of the kinds' OpenAPI v3 structural schemas (schemas.ts): field helpers,
// patterns, and the parts several kinds share. Plain JSON, so the schemas can be copied verbatim
// into CustomResourceDefinitions (deploy/crds) and interpreted by validate.ts.
//
// CRD rules this file follows on purpose:
// - every node has a `type`, except patch `value`, which preserves whatever the user wrote;
// - no `additionalProperties: false` (apiextensions/v1 forbids it): an object with `properties`
//   is closed because the apiserver prunes / rejects unknown fields, and validate.ts mirrors that;
// - maps are `additionalProperties: {type: string}` without `properties`.

/** The OpenAPI v3 subset used by the kinds' schemas and understood by validate.ts. */
export interface Schema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  items?: Schema;
  minItems?: number;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  minimum?: number;
  format?: "date-time" | "int64";
  default?: unknown;
  nullable?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "map" | "set";
  "x-kubernetes-list-map-keys"?: string[];
}

// Patterns. Kept as named constants so validate.ts can attach a readable hint to each.
export const DNS1123_SUBDOMAIN =
  "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
export const API_GROUP_PATTERN =
  "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$";
export const API_VERSION_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
export const RESOURCE_PATTERN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";
/** A namespace name: a DNS-1123 label, at most 63 characters. */
export const DNS1123_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
export const DURATION_PATTERN = "^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$";

export const str = (description: string, extra: Schema = {}): Schema => ({
  type: "string",
  description,
  ...extra,
});
export const bool = (description: string, dflt?: boolean): Schema =>
  dflt === undefined
    ? { type: "boolean", description }
    : { type: "boolean", description, default: dflt };
export const count = (description: string): Schema => ({
  type: "integer",
  format: "int64",
  minimum: 0,
  description,
});
export const objectName = (description: string): Schema =>
  str(description, { pattern: DNS1123_SUBDOMAIN });
export const namespaceName = (description: string): Schema =>
  str(description, { pattern: DNS1123_LABEL });
export const timestamp = (description: string): Schema => str(description, { format: "date-time" });
export const stringList = (description: string): Schema => ({
  type: "array",
  description,
  items: { type: "string" },
});
export const enabledFlag = (description: string): Schema => ({
  type: "object",
  description,
  properties: { enabled: bool("Whether this feature is on.") },
});

export const labelSelectorSchema = (description: string): Schema => ({
  type: "object",
  description,
  properties: {
    matchLabels: {
      type: "object",
      description: "Labels that must all be present with exactly these values.",
      additionalProperties: { type: "string" },
    },
    matchExpressions: {
      type: "array",
      description: "Label requirements, all of which must hold.",
      items: {
        type: "object",
        required: ["key", "operator"],
        properties: {
          key: str("The label key."),
          operator: str("How the label is compared with values.", {
            enum: ["In", "NotIn", "Exists", "DoesNotExist"],
          }),
          values: stringList("Non-empty for In/NotIn, empty for Exists/DoesNotExist."),
        },
      },
    },
  },
});

/** One RFC 6902 JSON Patch operation. */
export const patchOperationSchema: Schema = {
  type: "object",
  description: "An RFC 6902 JSON Patch operation.",
  required: ["op", "path"],
  properties: {
    op: str("The operation.", { enum: ["add", "remove", "replace", "move", "copy", "test"] }),
    path: str("JSON Pointer (RFC 6901) to the target location."),
    value: {
      description: "The value for add, replace and test; any JSON value.",
      nullable: true,
      "x-kubernetes-preserve-unknown-fields": true,
    },
    from: str("JSON Pointer to the source location for move and copy."),
  },
};

export const patchList = (description: string): Schema => ({
  type: "array",
  description,
  items: patchOperationSchema,
});

export const conditionsSchema: Schema = {
  type: "array",
  description: "Standard Kubernetes conditions, one per type.",
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
  items: {
    type: "object",
    required: ["type", "status", "lastTransitionTime", "reason", "message"],
    properties: {
      type: str("Condition type, e.g. Ready."),
      status: str("Condition status.", { enum: ["True", "False", "Unknown"] }),
      reason: str("Machine-readable CamelCase reason."),
      message: str("Human-readable details."),
      lastTransitionTime: timestamp("When status last changed."),
      observedGeneration: count("The .metadata.generation the condition was set for."),
    },
  },
};

export const observedGeneration = count("The .metadata.generation last processed by the operator.");

/** The `filters` of a resource entry (LiveSynchronization, Backup, Restore): all must match. */
export const resourceFilters = (description: string): Schema => ({
  type: "object",
  description,
  properties: {
    namespaceSelector: labelSelectorSchema("Selects by the labels of the object's namespace."),
    selector: labelSelectorSchema("Selects by the object's own labels."),
    nameSelector: {
      type: "object",
      description: "Selects by object name with regular expressions.",
      properties: {
        regex: stringList("Names must match at least one of these."),
        excludeRegex: stringList("Names matching any of these are excluded."),
      },
    },
  },
});
