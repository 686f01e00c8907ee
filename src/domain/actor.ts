export type Role = 'case_manager' | 'supervisor' | 'program_manager' | 'admin';

/** The signed-in staff member a request acts for. */
export interface Actor {
  id: string;
  role: Role;
  email: string;
  sourceIp?: string;
  requestId?: string;
}
