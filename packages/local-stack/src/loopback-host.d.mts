export declare function isLoopbackHost(host: string | undefined): boolean;
export declare const MISDIRECTED_REQUEST_PROBLEM: {
  type: string;
  title: string;
  status: 421;
  detail: string;
};
