/** The project the local Google Cloud stand-ins serve; any project id works, this one is the default. */
export const LOCAL_PROJECT_ID = 'local-project';
