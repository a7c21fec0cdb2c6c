export declare const BUDGET: { minified: number; gzip: number }
export declare function checkBundle(code: string): string[]
export declare function bundleSizes(code: string): { minified: number; gzip: number }
