/**
 * Matches a method and path to an operation of the table in `operations.ts`. Path labels (`{LayerName}`) match
 * one percent-encoded segment and are decoded; operations that share a path (ListLayers and
 * GetLayerVersionByArn) are told apart by their fixed query members (`find=LayerVersion`).
 */
import { OPERATIONS, type OperationName, type OperationSpec } from "./operations.js";

/** A matched operation with its decoded path labels. */
export interface RouteMatch {
  readonly operation: OperationName;
  readonly spec: OperationSpec;
  readonly params: Readonly<Record<string, string>>;
}

interface CompiledRoute {
  readonly operation: OperationName;
  readonly spec: OperationSpec;
  readonly re: RegExp;
  readonly labels: readonly string[];
  readonly fixedQuery: readonly (readonly [string, string])[];
  readonly literalSegments: number;
}

function compile(operation: OperationName, spec: OperationSpec): CompiledRoute {
  const labels: string[] = [];
  let literalSegments = 0;
  const source = spec.path
    .split("/")
    .map((segment) => {
      const label = /^\{([A-Za-z]+)\+?\}$/.exec(segment);
      if (label?.[1]) {
        labels.push(label[1]);
        return "([^/]+)";
      }
      if (segment !== "") {
        literalSegments++;
      }
      return segment.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
    })
    .join("/");
  return {
    operation,
    spec,
    re: new RegExp(`^${source}/?$`),
    labels,
    fixedQuery: Object.entries(spec.query),
    literalSegments,
  };
}

/** The route table compiled once: per method, most specific first. */
export class Router {
  private readonly byMethod = new Map<string, CompiledRoute[]>();

  constructor(table: { readonly [K in OperationName]: OperationSpec } = OPERATIONS) {
    for (const [operation, spec] of Object.entries(table) as [OperationName, OperationSpec][]) {
      const routes = this.byMethod.get(spec.method) ?? [];
      routes.push(compile(operation, spec));
      this.byMethod.set(spec.method, routes);
    }
    for (const routes of this.byMethod.values()) {
      routes.sort(
        (a, b) => b.fixedQuery.length - a.fixedQuery.length || b.literalSegments - a.literalSegments,
      );
    }
  }

  /** The operation for this request, or undefined; throws URIError on a malformed percent-encoding. */
  match(method: string, path: string, query: URLSearchParams): RouteMatch | undefined {
    for (const route of this.byMethod.get(method) ?? []) {
      const m = route.re.exec(path);
      if (!m) {
        continue;
      }
      if (!route.fixedQuery.every(([k, v]) => query.get(k) === v)) {
        continue;
      }
      const params: Record<string, string> = {};
      route.labels.forEach((label, i) => {
        params[label] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { operation: route.operation, spec: route.spec, params };
    }
    return undefined;
  }
}
