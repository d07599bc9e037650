import {createContext} from 'preact'
import {useContext} from 'preact/hooks'
import type {Session, User} from './api.js'

export interface SessionContextValue {
  session: Session
  setUser: (user: User | null) => void
}

export const SessionContext = createContext<SessionContextValue>({session: {user: null, signup: 'open'}, setUser: () => undefined})

export function useSession(): SessionContextValue {
  return useContext(SessionContext)
}
