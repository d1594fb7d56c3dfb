import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './auth.tsx';
import { BannedGate } from './components/Banned.tsx';
import { Logo } from './components/icons.tsx';
import { RiskDialogs } from './components/RiskDialogs.tsx';
import { TabBar } from './components/TabBar.tsx';
import { Loading } from './components/ui.tsx';
import { NotificationProvider } from './notifications.tsx';
import { AddFriendPage } from './pages/AddFriend.tsx';
import { AdminPage } from './pages/Admin.tsx';
import { AdminRiskPage } from './pages/AdminRisk.tsx';
import { BlockedPage } from './pages/Blocked.tsx';
import { CampaignPage, CampaignsPage } from './pages/Campaign.tsx';
import { ChatPage } from './pages/Chat.tsx';
import { ChatsPage } from './pages/Chats.tsx';
import {
  CirclePage,
  CirclePostPage,
  CirclesPage,
  NewCirclePage,
  StudentVerifyPage,
} from './pages/Circles.tsx';
import { CollectionPage, NewCollectionPage } from './pages/Collections.tsx';
import { ComposePage } from './pages/Compose.tsx';
import { CreditPage } from './pages/Credit.tsx';
import { DevicesPage } from './pages/Devices.tsx';
import { DiscoverPage } from './pages/Discover.tsx';
import { EnergyPage, FriendEnergyPage } from './pages/Energy.tsx';
import { ExpenseFormPage, ExpensePage, SettlePage } from './pages/Expenses.tsx';
import { FamilyPage, LinkFamilyPage } from './pages/Family.tsx';
import { FarmPage } from './pages/Farm.tsx';
import { FeedPage } from './pages/Feed.tsx';
import { FriendQrPage } from './pages/FriendQr.tsx';
import { FriendRequestsPage } from './pages/FriendRequests.tsx';
import { FriendsPage } from './pages/Friends.tsx';
import { FundFormPage } from './pages/GroupFund.tsx';
import { GroupHomePage } from './pages/GroupHome.tsx';
import { GroupsPage, NewGroupPage } from './pages/Groups.tsx';
import { HistoryPage } from './pages/History.tsx';
import { IouPage, IousPage, NewIouPage } from './pages/Ious.tsx';
import { LoginPage, RegisterPage, ResetPasswordPage } from './pages/Login.tsx';
import { MePage } from './pages/Me.tsx';
import {
  MerchantDashboardPage,
  MerchantPage,
  MyMerchantsPage,
  NearbyPage,
  PurchasePage,
  PurchasesPage,
  ScanPayPage,
} from './pages/Merchants.tsx';
import { NotFoundPage } from './pages/NotFound.tsx';
import { NotificationsPage } from './pages/Notifications.tsx';
import { PasskeysPage } from './pages/Passkeys.tsx';
import { PendingPage } from './pages/Pending.tsx';
import { PhoneVerifyPage } from './pages/PhoneVerify.tsx';
import { PinPage } from './pages/Pin.tsx';
import { PostPage } from './pages/Post.tsx';
import { PrivacyPage } from './pages/Privacy.tsx';
import { ReceiptPage } from './pages/Receipt.tsx';
import { ReceivePage } from './pages/Receive.tsx';
import { RedPacketPage } from './pages/RedPacket.tsx';
import { RedPacketsPage } from './pages/RedPackets.tsx';
import { SendRedPacketPage } from './pages/SendRedPacket.tsx';
import { StatementPage } from './pages/Statement.tsx';
import { TopUpPage } from './pages/TopUp.tsx';
import { TransactionPage } from './pages/Transaction.tsx';
import { TransferPage } from './pages/Transfer.tsx';
import { UserProfilePage } from './pages/UserProfile.tsx';
import { VerifyPage } from './pages/Verify.tsx';
import { WalletPage } from './pages/Wallet.tsx';
import { WithdrawPage } from './pages/Withdraw.tsx';
import { ToastProvider } from './toast.tsx';

function Splash() {
  return (
    <div className="splash">
      <Logo size={56} />
      <Loading />
    </div>
  );
}

/** Screens that need a signed-in user; others are sent to log in and come back afterwards. */
function RequireAuth() {
  const { me } = useAuth();
  const location = useLocation();
  if (me === undefined) return <Splash />;
  if (me === null) {
    const next = location.pathname + location.search;
    return (
      <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />
    );
  }
  return <Outlet />;
}

/**
 * Log-in and sign-up: someone who arrives signed in goes to the wallet. Someone who signs in
 * here is sent on by the page itself (to `next`, or into verification after signing up).
 */
function PublicOnly() {
  const { me } = useAuth();
  const signedOutHere = useRef(false);
  if (me === null) signedOutHere.current = true;
  if (me === undefined) return <Splash />;
  if (me && !signedOutHere.current) return <Navigate to="/" replace />;
  return <Outlet />;
}

function TabLayout() {
  return (
    <>
      <div className="tab-content">
        <Outlet />
      </div>
      <TabBar />
    </>
  );
}

function ScrollToTop() {
  const { pathname } = useLocation();
  // Braces matter: newer browsers return a Promise from scrollTo, which an effect must not return.
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll on every new screen
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [pathname]);
  return null;
}

function Shell() {
  const { t } = useTranslation();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('common.skipToContent')}
      </a>
      <main id="main" className="app-main">
        <BannedGate>
          <Outlet />
        </BannedGate>
      </main>
      <RiskDialogs />
    </div>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <ToastProvider>
        <AuthProvider>
          <NotificationProvider>
            <ScrollToTop />
            <Routes>
              <Route element={<Shell />}>
                <Route element={<PublicOnly />}>
                  <Route path="/login" element={<LoginPage />} />
                  <Route path="/register" element={<RegisterPage />} />
                  <Route path="/reset-password" element={<ResetPasswordPage />} />
                </Route>
                <Route element={<RequireAuth />}>
                  <Route element={<TabLayout />}>
                    <Route index element={<WalletPage />} />
                    <Route path="/feed" element={<FeedPage />} />
                    <Route path="/chats" element={<ChatsPage />} />
                    <Route path="/friends" element={<FriendsPage />} />
                    <Route path="/me" element={<MePage />} />
                  </Route>
                  <Route path="/topup" element={<TopUpPage />} />
                  <Route path="/withdraw" element={<WithdrawPage />} />
                  <Route path="/transfer" element={<TransferPage />} />
                  <Route path="/receipt/:id" element={<ReceiptPage />} />
                  <Route path="/receive" element={<ReceivePage />} />
                  <Route path="/history" element={<HistoryPage />} />
                  <Route path="/transactions/:id" element={<TransactionPage />} />
                  <Route path="/statements/:month?" element={<StatementPage />} />
                  <Route path="/pending" element={<PendingPage />} />
                  <Route path="/notifications" element={<NotificationsPage />} />
                  <Route path="/me/phone" element={<PhoneVerifyPage />} />
                  <Route path="/me/verify" element={<VerifyPage />} />
                  <Route path="/me/pin" element={<PinPage />} />
                  <Route path="/me/devices" element={<DevicesPage />} />
                  <Route path="/me/credit" element={<CreditPage />} />
                  <Route path="/friends/requests" element={<FriendRequestsPage />} />
                  <Route path="/friends/add" element={<AddFriendPage />} />
                  <Route path="/friends/qr" element={<FriendQrPage />} />
                  <Route path="/friends/blocked" element={<BlockedPage />} />
                  <Route path="/friends/privacy" element={<PrivacyPage />} />
                  <Route path="/users/:id" element={<UserProfilePage />} />
                  <Route path="/posts/new" element={<ComposePage />} />
                  <Route path="/posts/:id" element={<PostPage />} />
                  <Route path="/groups" element={<GroupsPage />} />
                  <Route path="/groups/new" element={<NewGroupPage />} />
                  <Route path="/groups/:id" element={<GroupHomePage />} />
                  <Route
                    path="/groups/:id/fund/contribute"
                    element={<FundFormPage mode="contribute" />}
                  />
                  <Route path="/groups/:id/fund/spend" element={<FundFormPage mode="spend" />} />
                  <Route path="/groups/:id/collections/new" element={<NewCollectionPage />} />
                  <Route path="/collections/:id" element={<CollectionPage />} />
                  <Route path="/groups/:id/expenses/new" element={<ExpenseFormPage />} />
                  <Route path="/groups/:id/settle" element={<SettlePage />} />
                  <Route path="/expenses/:id" element={<ExpensePage />} />
                  <Route path="/expenses/:expenseId/edit" element={<ExpenseFormPage />} />
                  <Route path="/family" element={<FamilyPage />} />
                  <Route path="/family/new" element={<LinkFamilyPage />} />
                  <Route path="/ious" element={<IousPage />} />
                  <Route path="/ious/new" element={<NewIouPage />} />
                  <Route path="/ious/:id" element={<IouPage />} />
                  <Route path="/red-packets" element={<RedPacketsPage />} />
                  <Route path="/red-packets/new" element={<SendRedPacketPage />} />
                  <Route path="/red-packets/:id" element={<RedPacketPage />} />
                  <Route path="/circles" element={<CirclesPage />} />
                  <Route path="/circles/new" element={<NewCirclePage />} />
                  <Route path="/circles/:id" element={<CirclePage />} />
                  <Route path="/circles/:id/posts/:postId" element={<CirclePostPage />} />
                  <Route path="/me/student" element={<StudentVerifyPage />} />
                  <Route path="/admin" element={<AdminPage />} />
                  <Route path="/campaigns" element={<CampaignsPage />} />
                  <Route path="/campaigns/:id" element={<CampaignPage />} />
                  <Route path="/energy" element={<EnergyPage />} />
                  <Route path="/energy/friends/:id" element={<FriendEnergyPage />} />
                  <Route path="/farm" element={<FarmPage />} />
                  <Route path="/discover" element={<DiscoverPage />} />
                  <Route path="/me/passkeys" element={<PasskeysPage />} />
                  <Route path="/admin/risk" element={<AdminRiskPage />} />
                  <Route path="/chats/:id" element={<ChatPage />} />
                  <Route path="/pay" element={<ScanPayPage />} />
                  <Route path="/purchases" element={<PurchasesPage />} />
                  <Route path="/purchases/:id" element={<PurchasePage />} />
                  <Route path="/nearby" element={<NearbyPage />} />
                  <Route path="/merchants/mine" element={<MyMerchantsPage />} />
                  <Route path="/merchants/:id" element={<MerchantPage />} />
                  <Route path="/merchants/:id/dashboard" element={<MerchantDashboardPage />} />
                </Route>
                <Route path="*" element={<NotFoundPage />} />
              </Route>
            </Routes>
          </NotificationProvider>
        </AuthProvider>
      </ToastProvider>
    </BrowserRouter>
  );
}
